//! Wires the sandbox reconciler into the operator process. (Skeleton.)
import OpenShellAPI
import Operator
