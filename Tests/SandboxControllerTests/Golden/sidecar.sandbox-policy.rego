package openshell.sandbox

default allow := false
