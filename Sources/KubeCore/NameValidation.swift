//! Name, label and annotation validation with kube-apiserver's messages
//! (`k8s.io/apimachinery/pkg/util/validation`, `pkg/api/validate/content` and
//! `pkg/api/validation` / `pkg/apis/meta/v1/validation`).
//!
//! The `is…` functions return the list of problems (empty when valid), worded
//! exactly as Kubernetes words them; the `validate…` functions wrap those into
//! `FieldError`s at a field path, as the API server reports them in a 422.
//! Lengths are measured in UTF-8 bytes, as Go's `len` does.

/// Kubernetes name and label validation. Every function is pure.
public enum NameValidation {
    /// Maximum length of a DNS-1123 label (and of a DNS-1035 label).
    public static let dns1123LabelMaxLength = 63
    /// Maximum length of a DNS-1123 subdomain (and so of most object names).
    public static let dns1123SubdomainMaxLength = 253
    /// Maximum length of a label value and of the name part of a label key.
    public static let labelValueMaxLength = 63
    /// Maximum total size of `metadata.annotations` (keys plus values, in bytes): 256 KiB.
    public static let totalAnnotationSizeLimit = 256 * 1024

    // MARK: Regex texts, as quoted in the messages

    static let dns1123LabelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    static let dns1123SubdomainFormat = dns1123LabelFormat + "(\\." + dns1123LabelFormat + ")*"
    static let dns1035LabelFormat = "[a-z]([-a-z0-9]*[a-z0-9])?"
    static let labelKeyFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
    static let labelValueFormat = "(" + labelKeyFormat + ")?"

    static let dns1123LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
    static let dns1123SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
    static let dns1035LabelMessage =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"
    static let labelKeyMessage =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    static let labelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

    // MARK: Message builders (validation.MaxLenError, RegexError, EmptyError)

    /// `must be no more than N characters` (`util/validation.MaxLenError`, used for DNS names).
    static func maxLenCharacters(_ length: Int) -> String { "must be no more than \(length) characters" }

    /// `must be no more than N bytes` (`validate/content.MaxLenError`, used for label keys and values).
    static func maxLenBytes(_ length: Int) -> String { "must be no more than \(length) bytes" }

    /// Kubernetes' `RegexError`: note the two spaces before `or`, which upstream produces.
    static func regexError(_ message: String, _ format: String, _ examples: [String]) -> String {
        if examples.isEmpty { return message + " (regex used for validation is '" + format + "')" }
        var text = message + " (e.g. "
        for (i, example) in examples.enumerated() {
            if i > 0 { text += " or " }
            text += "'" + example + "', "
        }
        return text + "regex used for validation is '" + format + "')"
    }

    static let emptyError = "must be non-empty"

    // MARK: DNS names

    /// DNS-1123 label (RFC 1123): at most 63 characters of `[-a-z0-9]`, starting
    /// and ending alphanumeric. Used for namespace names and many other names.
    public static func isDNS1123Label(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > dns1123LabelMaxLength {
            errors.append(maxLenCharacters(dns1123LabelMaxLength))
        }
        if !matchesDNS1123Label(value.utf8) {
            if matchesDNS1123Subdomain(value.utf8) {
                errors.append("must not contain dots")
            } else {
                errors.append(regexError(dns1123LabelMessage, dns1123LabelFormat, ["my-name", "123-abc"]))
            }
        }
        return errors
    }

    /// DNS-1123 subdomain: at most 253 characters of dot-separated DNS-1123
    /// labels. Most object names (including custom resources) must be one.
    public static func isDNS1123Subdomain(_ value: String) -> [String] {
        subdomainErrors(value, maxLen: maxLenCharacters)
    }

    /// DNS-1035 label (RFC 1035): like a DNS-1123 label but starting with a letter.
    /// Used for Service names.
    public static func isDNS1035Label(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > dns1123LabelMaxLength {
            errors.append(maxLenCharacters(dns1123LabelMaxLength))
        }
        if !matchesDNS1035Label(value.utf8) {
            errors.append(regexError(dns1035LabelMessage, dns1035LabelFormat, ["my-name", "abc-123"]))
        }
        return errors
    }

    /// A name usable as a single URL path segment: not `.` or `..`, and without `/` or `%`.
    public static func isValidPathSegmentName(_ name: String) -> [String] {
        for illegal in [".", ".."] where name == illegal {
            return ["may not be '\(illegal)'"]
        }
        var errors: [String] = []
        for illegal in ["/", "%"] where name.contains(illegal) {
            errors.append("may not contain '\(illegal)'")
        }
        return errors
    }

    // MARK: Label keys and values

    /// A qualified name (label key, annotation key, finalizer name...): an optional
    /// DNS-1123 subdomain prefix and `/`, then a name of at most 63 bytes of
    /// `[-A-Za-z0-9_.]` starting and ending alphanumeric.
    public static func isQualifiedName(_ value: String) -> [String] {
        var errors: [String] = []
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        let name: Substring
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = parts[0]
            name = parts[1]
            if prefix.isEmpty {
                errors.append("prefix part " + emptyError)
            } else {
                errors += subdomainErrors(String(prefix), maxLen: maxLenBytes).map { "prefix part " + $0 }
            }
        default:
            return ["a valid label key " + regexError(labelKeyMessage, labelKeyFormat, ["MyName", "my.name", "123-abc"])
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        }
        if name.isEmpty {
            errors.append("name part " + emptyError)
        } else if name.utf8.count > labelValueMaxLength {
            errors.append("name part " + maxLenBytes(labelValueMaxLength))
        }
        if !matchesQualifiedNamePart(name.utf8) {
            errors.append("name part " + regexError(labelKeyMessage, labelKeyFormat, ["MyName", "my.name", "123-abc"]))
        }
        return errors
    }

    /// A label value: empty, or at most 63 bytes of `[-A-Za-z0-9_.]` starting and ending alphanumeric.
    public static func isValidLabelValue(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > labelValueMaxLength {
            errors.append(maxLenBytes(labelValueMaxLength))
        }
        if !value.isEmpty && !matchesQualifiedNamePart(value.utf8) {
            errors.append(regexError(labelValueMessage, labelValueFormat, ["MyValue", "my_value", "12345"]))
        }
        return errors
    }

    // MARK: Field-level validation

    /// Validates `metadata.labels` as kube-apiserver does: each bad key or value is
    /// one `Invalid value` error at `path` itself (not at the key), in key order.
    public static func validateLabels(_ labels: [String: String], at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for key in labels.keys.sorted() {
            errors += validateLabelName(key, at: path)
            for message in isValidLabelValue(labels[key] ?? "") {
                errors.append(.invalid(path, .string(labels[key] ?? ""), message))
            }
        }
        return errors
    }

    /// One `Invalid value` error per problem with a label key (`ValidateLabelName`).
    public static func validateLabelName(_ key: String, at path: FieldPath) -> [FieldError] {
        isQualifiedName(key).map { FieldError.invalid(path, .string(key), $0) }
    }

    /// Validates `metadata.annotations`: keys are qualified names (compared
    /// case-insensitively) and the total size of keys plus values is at most
    /// 256 KiB, reported as `Too long: may not be more than 262144 bytes`.
    public static func validateAnnotations(_ annotations: [String: String], at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for key in annotations.keys.sorted() {
            for message in isQualifiedName(key.lowercased()) {
                errors.append(.invalid(path, .string(key), message))
            }
        }
        if annotationsSize(annotations) > totalAnnotationSizeLimit {
            errors.append(.tooLong(path, maxLength: totalAnnotationSizeLimit))
        }
        return errors
    }

    /// The size kube-apiserver counts against the annotation limit: the UTF-8
    /// bytes of every key and value.
    public static func annotationsSize(_ annotations: [String: String]) -> Int {
        annotations.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
    }

    /// Validates an object name with one of the `is…` functions, reporting each
    /// problem as `Invalid value` at `path` (how `metadata.name` errors read).
    public static func validateName(_ name: String, at path: FieldPath, using check: (String) -> [String] = isDNS1123Subdomain) -> [FieldError] {
        check(name).map { FieldError.invalid(path, .string(name), $0) }
    }

    // MARK: Matchers over UTF-8 (no regex engine needed)

    private static func subdomainErrors(_ value: String, maxLen: (Int) -> String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > dns1123SubdomainMaxLength {
            errors.append(maxLen(dns1123SubdomainMaxLength))
        }
        if !matchesDNS1123Subdomain(value.utf8) {
            errors.append(regexError(dns1123SubdomainMessage, dns1123SubdomainFormat, ["example.com"]))
        }
        return errors
    }

    private static func isLowerAlnum(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) }
    private static func isLower(_ c: UInt8) -> Bool { c >= 0x61 && c <= 0x7A }
    private static func isAlnum(_ c: UInt8) -> Bool { isLowerAlnum(c) || (c >= 0x41 && c <= 0x5A) }

    static func matchesDNS1123Label<C: BidirectionalCollection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        guard let first = bytes.first, let last = bytes.last else { return false }
        return isLowerAlnum(first) && isLowerAlnum(last) && bytes.allSatisfy { isLowerAlnum($0) || $0 == 0x2D }
    }

    static func matchesDNS1123Subdomain<C: BidirectionalCollection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        let labels = bytes.split(separator: 0x2E, omittingEmptySubsequences: false)
        return labels.allSatisfy { matchesDNS1123Label($0) }
    }

    static func matchesDNS1035Label<C: BidirectionalCollection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        guard let first = bytes.first, let last = bytes.last else { return false }
        return isLower(first) && isLowerAlnum(last) && bytes.allSatisfy { isLowerAlnum($0) || $0 == 0x2D }
    }

    /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
    static func matchesQualifiedNamePart<C: BidirectionalCollection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        guard let first = bytes.first, let last = bytes.last else { return false }
        return isAlnum(first) && isAlnum(last)
            && bytes.allSatisfy { isAlnum($0) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E }
    }
}

// MARK: - Go-style quoting shared by the selector and quantity messages

