import Testing
@testable import OpenShellAPI

struct GoDurationTests {
    static let parsed: [(String, Duration)] = [
        ("0", Duration.zero),
        ("0s", .zero),
        ("-0s", .zero),
        ("45s", .seconds(45)),
        ("500ms", .milliseconds(500)),
        ("1h30m", .seconds(5400)),
        ("1.5h", .seconds(5400)),
        ("+5m", .seconds(300)),
        ("168h", .seconds(168 * 3600)),
        ("2h45m30.5s", .milliseconds(9_930_500)),
        (".5s", .milliseconds(500)),
        ("1.s", .seconds(1)),
        ("1us", .microseconds(1)),
        ("1\u{B5}s", .microseconds(1)),
        ("1\u{3BC}s", .microseconds(1)),
        ("7ns", .nanoseconds(7)),
        ("1m1ms", .milliseconds(60_001)),
        ("2562047h", .seconds(2_562_047 * 3600)),
    ]

    @Test(arguments: parsed)
    func parsesGoSyntax(text: String, expected: Duration) {
        #expect(GoDuration.parse(text) == expected)
    }

    @Test(arguments: ["", "1", "h", "-5m", "-1h30m", "1d", "2w", "5 m", " 5m", "1h-5m", ".s", "1..5s", "s5", "9999999999999999999ns", "2562048h"])
    func rejectsWhatGoRejectsAndNegatives(text: String) {
        #expect(GoDuration.parse(text) == nil)
    }

    static let formatted: [(Duration, String)] = [
        (Duration.zero, "0s"),
        (.nanoseconds(1), "1ns"),
        (.nanoseconds(1500), "1.5µs"),
        (.milliseconds(500), "500ms"),
        (.milliseconds(1500), "1.5s"),
        (.seconds(45), "45s"),
        (.seconds(90), "1m30s"),
        (.seconds(5400), "1h30m0s"),
        (.seconds(8760 * 3600), "8760h0m0s"),
        (.seconds(-90), "-1m30s"),
    ]

    @Test(arguments: formatted)
    func formatsAsGoDoes(duration: Duration, expected: String) {
        #expect(GoDuration.format(duration) == expected)
    }
}
