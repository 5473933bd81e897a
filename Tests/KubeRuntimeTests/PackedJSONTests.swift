//! Unit tests of `PackedJSON`: every kind of value unpacks equal to what was
//! packed, and bytes it did not produce are refused.
import KubeCore
import KubeRuntime
import Testing

@Suite("Packed JSON")
struct PackedJSONTests {
    @Test("values unpack equal to what was packed", arguments: [
        JSONValue.null, .bool(true), .bool(false),
        .int(0), .int(1), .int(-1), .int(63), .int(-64), .int(64), .int(300), .int(Int64.max), .int(Int64.min),
        .double(0), .double(2.0), .double(-0.5), .double(1e300), .double(.infinity),
        .string(""), .string("short"), .string(String(repeating: "long string ", count: 40)), .string("ünïcödé ✓ \u{0}\n\""),
        .array([]), .array([.null, .int(1), .string("x"), .array([.bool(true)])]),
        .object([:]),
        .object(["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p", "labels": ["openshell.ai/managed-by": "openshell-operator"]],
                 "status": ["containerStatuses": [["name": "agent", "restartCount": 3, "ready": true]], "ratio": .double(0.25)]]),
    ])
    func roundTrip(value: JSONValue) throws {
        #expect(try PackedJSON.unpack(PackedJSON.pack(value)) == value)
    }

    @Test("a double stays a double, also when it has no fraction")
    func doubleKeepsItsKind() throws {
        let unpacked = try PackedJSON.unpack(PackedJSON.pack(.double(2.0)))
        guard case .double(let value) = unpacked else {
            Issue.record("unpacked as \(unpacked)")
            return
        }
        #expect(value == 2.0)
    }

    @Test("NaN round-trips as NaN")
    func notANumber() throws {
        let unpacked = try PackedJSON.unpack(PackedJSON.pack(.double(.nan)))
        #expect(unpacked.doubleValue?.isNaN == true)
    }

    @Test("the packed form is smaller than the JSON text")
    func compact() {
        let pod: JSONValue = ["metadata": ["name": "sandbox-1", "namespace": "team", "uid": "6c1f4a52-0d7e-4c8f-9c55-0a0f3b1d2e3f"],
                              "status": ["phase": "Running", "podIP": "10.0.0.7"]]
        #expect(PackedJSON.pack(pod).count < pod.serialized().count)
    }

    @Test("bytes pack did not produce are refused", arguments: [
        [UInt8](),                      // nothing
        [9],                            // unknown tag
        [5, 10, 65],                    // string longer than the bytes left
        [6, 2, 0],                      // array missing an item
        [7, 1, 1, 65],                  // object key without a value
        [4, 0, 0, 0],                   // double cut short
        [3, 0x80, 0x80],                // unterminated varint
        [0, 0],                         // trailing bytes
    ])
    func refused(bytes: [UInt8]) {
        #expect(throws: PackedJSONError.self) { try PackedJSON.unpack(bytes) }
    }

    @Test("nesting deeper than any API object is refused, not recursed into")
    func tooDeep() {
        // 2,000 arrays of one item each, nested, around a null.
        let bytes = Array(repeating: [UInt8]([6, 1]), count: 2_000).flatMap { $0 } + [UInt8(0)]
        #expect(throws: PackedJSONError.self) { try PackedJSON.unpack(bytes) }
    }
}
