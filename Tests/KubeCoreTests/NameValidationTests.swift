import Testing
@testable import KubeCore

private let subdomainMessage =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
private let labelMessage =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
private let dns1035Message =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
let namePartMessage =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
let labelKeyMessage =
    "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
let labelValueMessage =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

private let a63 = String(repeating: "a", count: 63)
private let a64 = String(repeating: "a", count: 64)
private let a253 = String(repeating: "a", count: 253)
private let a254 = String(repeating: "a", count: 254)

struct NameValidationTests {
    @Test(arguments: [
        ("example.com", [String]()),
        ("a", []),
        ("0", []),
        ("my-app.sub-1.example", []),
        (a253, []),
        ("", [subdomainMessage]),
        ("Example.com", [subdomainMessage]),
        ("a..b", [subdomainMessage]),
        ("-a", [subdomainMessage]),
        ("a-", [subdomainMessage]),
        ("a_b", [subdomainMessage]),
        ("café", [subdomainMessage]),
        (a254, ["must be no more than 253 characters"]),
        (a254.uppercased(), ["must be no more than 253 characters", subdomainMessage]),
    ])
    func dns1123Subdomain(value: String, expected: [String]) {
        #expect(NameValidation.isDNS1123Subdomain(value) == expected)
    }

    @Test(arguments: [
        ("my-name", [String]()),
        ("123-abc", []),
        (a63, []),
        ("a.b", ["must not contain dots"]),
        ("My-name", [labelMessage]),
        ("-x", [labelMessage]),
        ("", [labelMessage]),
        (a64, ["must be no more than 63 characters"]),
    ])
    func dns1123Label(value: String, expected: [String]) {
        #expect(NameValidation.isDNS1123Label(value) == expected)
    }

    @Test(arguments: [
        ("my-name", [String]()),
        ("abc-123", []),
        ("1abc", [dns1035Message]),
        ("a.b", [dns1035Message]),
        ("abc-", [dns1035Message]),
        (a64, ["must be no more than 63 characters"]),
    ])
    func dns1035Label(value: String, expected: [String]) {
        #expect(NameValidation.isDNS1035Label(value) == expected)
    }

    @Test(arguments: [
        ("simple", [String]()),
        ("app.kubernetes.io/name", []),
        ("Uppercase_Is_OK_123", []),
        ("1.2.3.4/5678", []),
        (a63, []),
        (a253 + "/" + a63, []),
        ("a/b/c", [labelKeyMessage]),
        ("/simple", ["prefix part must be non-empty"]),
        ("example.com/", ["name part must be non-empty", namePartMessage]),
        ("Example.com/abc", ["prefix part " + subdomainMessage]),
        ("app:monolith", [namePartMessage]),
        ("-cantstartwithadash", [namePartMessage]),
        (a64, ["name part must be no more than 63 bytes"]),
        (a254 + "/abc", ["prefix part must be no more than 253 bytes"]),
    ])
    func qualifiedName(value: String, expected: [String]) {
        #expect(NameValidation.isQualifiedName(value) == expected)
    }

    @Test(arguments: [
        ("", [String]()),
        ("MyValue", []),
        ("my_value.v-1", []),
        (a63, []),
        ("-starts-with-dash", [labelValueMessage]),
        ("ends.with.dot.", [labelValueMessage]),
        ("has space", [labelValueMessage]),
        (a64, ["must be no more than 63 bytes"]),
        ("-" + a63, ["must be no more than 63 bytes", labelValueMessage]),
    ])
    func labelValue(value: String, expected: [String]) {
        #expect(NameValidation.isValidLabelValue(value) == expected)
    }

    @Test(arguments: [
        ("name", [String]()),
        (".", ["may not be '.'"]),
        ("..", ["may not be '..'"]),
        ("a/b%c", ["may not contain '/'", "may not contain '%'"]),
    ])
    func pathSegmentName(value: String, expected: [String]) {
        #expect(NameValidation.isValidPathSegmentName(value) == expected)
    }

    @Test func labelsAreReportedAtTheMapPathInKeyOrder() {
        let errors = NameValidation.validateLabels(["b": "-x", "a/b/c": "ok"], at: FieldPath("metadata.labels"))
        #expect(errors.map(\.description) == [
            "metadata.labels: Invalid value: \"a/b/c\": " + labelKeyMessage,
            "metadata.labels: Invalid value: \"-x\": " + labelValueMessage,
        ])
        #expect(errors.allSatisfy { $0.reason == FieldErrorReason.invalid })
    }

    @Test func annotationKeysAreCheckedCaseInsensitively() {
        let errors = NameValidation.validateAnnotations(["Example.COM/Key": "v", "bad key": "v"], at: FieldPath("metadata.annotations"))
        #expect(errors.map(\.description) == ["metadata.annotations: Invalid value: \"bad key\": " + namePartMessage])
    }

    @Test func annotationsOverTheTotalSizeAreTooLong() {
        let atLimit = ["k": String(repeating: "x", count: NameValidation.totalAnnotationSizeLimit - 1)]
        #expect(NameValidation.validateAnnotations(atLimit, at: FieldPath("metadata.annotations")).isEmpty)
        let over = ["k": String(repeating: "x", count: NameValidation.totalAnnotationSizeLimit)]
        let errors = NameValidation.validateAnnotations(over, at: FieldPath("metadata.annotations"))
        #expect(errors.map(\.description) == ["metadata.annotations: Too long: may not be more than 262144 bytes"])
        #expect(errors.first?.reason == FieldErrorReason.tooLong)
    }

    @Test func annotationSizeCountsUTF8Bytes() {
        #expect(NameValidation.annotationsSize(["ab": "é"]) == 4)
    }

    @Test func validateNameUsesTheGivenRule() {
        let errors = NameValidation.validateName("My.Name", at: FieldPath("metadata.name"))
        #expect(errors.map(\.description) == ["metadata.name: Invalid value: \"My.Name\": " + subdomainMessage])
        #expect(NameValidation.validateName("a.b", at: FieldPath("metadata.name"), using: NameValidation.isDNS1123Label)
            .map(\.message) == ["Invalid value: \"a.b\": must not contain dots"])
    }
}
