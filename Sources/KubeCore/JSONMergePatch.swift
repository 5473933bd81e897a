//! JSON merge patch (RFC 7386, `application/merge-patch+json`): applying a
//! patch to a document, and computing the smallest patch that turns one
//! document into another (what a client sends to change only what it changed).

/// RFC 7386 JSON merge patch.
public enum JSONMergePatch {
    /// Applies `patch` to `target` (RFC 7386 `MergePatch`): when the patch is
    /// an object, each member with value `null` removes that member from the
    /// target, each object member merges recursively, and every other member
    /// replaces; a non-object target is treated as `{}` first. A patch that is
    /// not an object (including an array) replaces the target entirely.
    /// Never fails: every JSON value is a valid merge patch.
    public static func apply(_ patch: JSONValue, to target: JSONValue) -> JSONValue {
        guard case .object(let patchMembers) = patch else { return patch }
        var result = target.objectValue ?? [:]
        for (key, value) in patchMembers {
            if value.isNull {
                result[key] = nil
            } else {
                result[key] = apply(value, to: result[key] ?? .null)
            }
        }
        return .object(result)
    }

    /// The minimal merge patch that turns `original` into `modified`, so that
    /// `apply(createMergePatch(from: a, to: b), to: a) == b`:
    /// removed members become `null`, changed objects are diffed recursively,
    /// anything else that changed (scalars, arrays, type changes) is sent whole,
    /// and unchanged members are left out. Identical objects give `{}`.
    ///
    /// Limits of the format (not of this function): a member whose new value
    /// is `null` cannot be expressed (the patch would delete it), so nulls
    /// inside `modified` objects are treated as absent; and when either side
    /// is not an object the patch is `modified` itself. Members that are `null`
    /// on both sides are left alone.
    public static func createMergePatch(from original: JSONValue, to modified: JSONValue) -> JSONValue {
        guard case .object(let before) = original, case .object(let after) = modified else {
            return modified
        }
        return .object(diff(before, after))
    }

    private static func diff(_ before: JSONObject, _ after: JSONObject) -> JSONObject {
        var patch: JSONObject = [:]
        for (key, old) in before {
            switch after[key] {
            case nil: patch[key] = .null
            case .null? where !old.isNull: patch[key] = .null
            default: break
            }
        }
        for (key, new) in after where !new.isNull {
            let old = before[key]
            if old == new { continue }
            if case .object(let oldMembers)? = old, case .object(let newMembers) = new {
                let nested = diff(oldMembers, newMembers)
                if !nested.isEmpty { patch[key] = .object(nested) }
            } else {
                patch[key] = stripNulls(new)
            }
        }
        return patch
    }

    /// Objects sent whole must not carry nulls, which would read as deletions.
    private static func stripNulls(_ value: JSONValue) -> JSONValue {
        guard case .object(let members) = value else { return value }
        return .object(members.filter { !$0.value.isNull }.mapValues(stripNulls))
    }
}
