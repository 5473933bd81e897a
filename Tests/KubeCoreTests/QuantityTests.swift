import Foundation
import Testing
@testable import KubeCore

struct QuantityParseTests {
    /// Input → what `resource.Quantity.String()` prints.
    @Test(arguments: [
        ("0", "0"),
        ("0Gi", "0"),
        ("0.0", "0"),
        ("-0", "0"),
        ("1", "1"),
        ("2", "2"),
        ("100m", "100m"),
        ("1000m", "1"),
        ("1500m", "1500m"),
        ("1.5", "1500m"),
        ("0.5", "500m"),
        ("0.1", "100m"),
        ("1.0", "1"),
        ("1000", "1k"),
        ("1500000", "1500k"),
        ("1k", "1k"),
        ("1M", "1M"),
        ("1E", "1E"),
        ("1n", "1n"),
        ("1u", "1u"),
        ("1000u", "1m"),
        ("0.0000000001", "1n"),
        ("1.0000000001", "1000000001n"),
        ("1Ki", "1Ki"),
        ("1Gi", "1Gi"),
        ("500Mi", "500Mi"),
        ("100Mi", "100Mi"),
        ("1024Mi", "1Gi"),
        ("2048Ki", "2Mi"),
        ("1536Mi", "1536Mi"),
        ("1.5Gi", "1536Mi"),
        ("0.5Ki", "512"),
        ("0.5Gi", "512Mi"),
        ("1Ei", "1Ei"),
        ("1e3", "1e3"),
        ("1E3", "1E3"),
        ("12e6", "12e6"),
        ("1.5e3", "1500"),
        ("1e-3", "1e-3"),
        ("1e+3", "1e+3"),
        ("-1", "-1"),
        ("-100m", "-100m"),
        ("-1.5", "-1500m"),
        ("-1.5Gi", "-1536Mi"),
        ("100E", "100E"),
        ("9223372036854775807", "9223372036854775807"),
        ("99999999999999999999", "9223372036854775807"),
        ("8Ei", "9223372036854775807"),
        // Upstream prints some inputs back verbatim when it deems them canonical.
        ("+5", "+5"),
        ("05", "05"),
    ])
    func prints(input: String, expected: String) throws {
        #expect(try Quantity(parsing: input).description == expected)
    }

    @Test(arguments: [
        ("+5", "5"),
        ("05", "5"),
        ("1e+3", "1e3"),
        ("1E3", "1e3"),
        ("1Ki", "1Ki"),
        ("1000m", "1"),
    ])
    func canonical(input: String, expected: String) throws {
        #expect(try Quantity(parsing: input).canonical == expected)
    }

    @Test(arguments: [
        ("", QuantityError.formatWrong),
        ("abc", .formatWrong),
        ("1.5.5", .formatWrong),
        ("1 Gi", .formatWrong),
        (" 1", .formatWrong),
        ("1Gb", .formatWrong),
        ("1KiB", .formatWrong),
        ("1e3.5", .formatWrong),
        ("1ki", .suffix),
        ("1e", .suffix),
        ("1Mm", .suffix),
        ("e-10", .numeric),
        (".e-10", .numeric),
    ])
    func rejects(input: String, error: QuantityError) {
        #expect(throws: error) { try Quantity(parsing: input) }
    }

    @Test func errorMessagesAreUpstreams() {
        #expect(QuantityError.formatWrong.description
            == "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
        #expect(QuantityError.numeric.description == "unable to parse numeric part of quantity")
        #expect(QuantityError.suffix.description == "unable to parse quantity's suffix")
    }

    @Test(arguments: [
        ("1Ki", Quantity.Format.binarySI),
        ("1", .decimalSI),
        ("1m", .decimalSI),
        ("1e3", .decimalExponent),
        ("0.5Ki", .binarySI),
        ("0.0001Ki", .decimalSI),
    ])
    func format(input: String, format: Quantity.Format) throws {
        #expect(try Quantity(parsing: input).format == format)
    }
}

struct QuantityValueTests {
    @Test(arguments: [
        ("1Gi", "1024Mi"),
        ("1", "1000m"),
        ("1e3", "1k"),
        ("1.5", "1500m"),
        ("0", "0Mi"),
        ("1Ki", "1024"),
    ])
    func equalValues(a: String, b: String) throws {
        let x = try Quantity(parsing: a), y = try Quantity(parsing: b)
        #expect(x == y)
        #expect(x.hashValue == y.hashValue)
    }

    @Test func ordering() throws {
        let inputs = ["1Gi", "-1", "100m", "1k", "1Ki", "0", "999m", "1", "-2Mi", "1n"]
        let sorted = try inputs.map { try Quantity(parsing: $0) }.sorted().map(\.description)
        #expect(sorted == ["-2Mi", "-1", "0", "1n", "100m", "999m", "1", "1k", "1Ki", "1Gi"])
        #expect(try Quantity(parsing: "100m") < Quantity(parsing: "1"))
        #expect(try Quantity(parsing: "-1") < Quantity(parsing: "-100m"))
        #expect(try !(Quantity(parsing: "1") < Quantity(parsing: "1000m")))
    }

    @Test(arguments: [
        ("1.5", Int64(2), Int64(1500)),
        ("100m", 1, 100),
        ("1", 1, 1000),
        ("-1.5", -2, -1500),
        ("1n", 1, 1),
        ("1Gi", 1_073_741_824, 1_073_741_824_000),
        ("1Ei", 1_152_921_504_606_846_976, Int64.max),
        ("0", 0, 0),
    ])
    func values(input: String, value: Int64, milli: Int64) throws {
        let q = try Quantity(parsing: input)
        #expect(q.value == value)
        #expect(q.milliValue == milli)
    }

    @Test func scaledValueAndDouble() throws {
        let q = try Quantity(parsing: "1.5")
        #expect(q.scaledValue(-9) == 1_500_000_000)
        #expect(q.scaledValue(3) == 1)
        #expect(q.doubleValue == 1.5)
        #expect(try Quantity(parsing: "-250m").doubleValue == -0.25)
        #expect(try Quantity(parsing: "2Ki").sign == 1)
        #expect(try Quantity(parsing: "-2Ki").sign == -1)
        #expect(Quantity.zero.sign == 0 && Quantity.zero.isZero)
    }

    @Test func constructors() {
        #expect(Quantity(2).description == "2")
        #expect(Quantity(1024, format: .binarySI).description == "1Ki")
        #expect(Quantity(1000).description == "1k")
        #expect(Quantity(-3).description == "-3")
        #expect(Quantity(milliValue: 1500).description == "1500m")
        #expect(Quantity(milliValue: 2000).description == "2")
    }

    @Test(arguments: [
        (JSONValue.string("500m"), "500m"),
        (.int(2), "2"),
        (.double(1.5), "1500m"),
        (.double(0.25), "250m"),
        (.double(1e20), "100e18"),
    ])
    func fromJSON(json: JSONValue, expected: String) throws {
        #expect(try Quantity(json: json).description == expected)
    }

    @Test func codable() throws {
        struct Resources: Codable, Equatable {
            var cpu: Quantity
            var memory: Quantity
        }
        let decoded = try JSONDecoder().decode(Resources.self, from: Data(#"{"cpu": 0.5, "memory": "1024Mi"}"#.utf8))
        #expect(decoded.cpu.description == "500m")
        #expect(decoded.memory.description == "1Gi")
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(decoded), as: UTF8.self) == #"{"cpu":"500m","memory":"1Gi"}"#)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Resources.self, from: Data(#"{"cpu": "lots", "memory": "1Gi"}"#.utf8))
        }
        #expect(throws: QuantityError.formatWrong) { try Quantity(json: .bool(true)) }
    }
}
