//! CEL `google.protobuf.Duration` and `google.protobuf.Timestamp` values:
//! parsing (Go `time.ParseDuration`, RFC 3339), formatting as cel-go does,
//! arithmetic with range checks, and the calendar accessors (`getFullYear`,
//! `getHours`, ...) in UTC or a named/offset time zone.
import Foundation

/// A signed span of time in nanoseconds (Go's `time.Duration` range).
public struct CELDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    /// Whole seconds; the caller keeps the value within Go's ±292-year range.
    public init(seconds: Int64) { nanoseconds = seconds * 1_000_000_000 }

    public static func < (a: CELDuration, b: CELDuration) -> Bool { a.nanoseconds < b.nanoseconds }

    /// cel-go's `string(duration)`: seconds with the shortest fraction, e.g. `5400s`, `1.5s`.
    public var description: String {
        let negative = nanoseconds < 0
        let magnitude = nanoseconds.magnitude
        let seconds = magnitude / 1_000_000_000
        var fraction = String(magnitude % 1_000_000_000)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return (negative ? "-" : "") + String(seconds) + (fraction.isEmpty ? "" : "." + fraction) + "s"
    }

    /// Parses Go duration syntax: `300ms`, `-1.5h`, `2h45m`; units ns, us (µs), ms, s, m, h.
    /// Errors carry Go's messages (`time: invalid duration "x"`).
    public static func parse(_ text: String) -> Result<CELDuration, CELError> {
        let quoted = text.goQuoted
        var s = Array(text.unicodeScalars)[...]
        var negative = false
        if let first = s.first, first == "-" || first == "+" {
            negative = first == "-"
            s = s.dropFirst()
        }
        if s.map(String.init).joined() == "0" { return .success(CELDuration(nanoseconds: 0)) }
        if s.isEmpty { return .failure(CELError("time: invalid duration \(quoted)")) }
        var exactTotal: Int64 = 0
        while !s.isEmpty {
            var whole = ""
            var frac = ""
            while let c = s.first, c >= "0" && c <= "9" { whole.unicodeScalars.append(c); s = s.dropFirst() }
            if s.first == "." {
                s = s.dropFirst()
                while let c = s.first, c >= "0" && c <= "9" { frac.unicodeScalars.append(c); s = s.dropFirst() }
            }
            if whole.isEmpty && frac.isEmpty { return .failure(CELError("time: invalid duration \(quoted)")) }
            var unit = ""
            while let c = s.first, c != "." && !(c >= "0" && c <= "9") { unit.unicodeScalars.append(c); s = s.dropFirst() }
            if unit.isEmpty { return .failure(CELError("time: missing unit in duration \(quoted)")) }
            let scale: Int64
            switch unit {
            case "ns": scale = 1
            case "us", "\u{B5}s", "\u{3BC}s": scale = 1_000
            case "ms": scale = 1_000_000
            case "s": scale = 1_000_000_000
            case "m": scale = 60_000_000_000
            case "h": scale = 3_600_000_000_000
            default: return .failure(CELError("time: unknown unit \(unit.goQuoted) in duration \(quoted)"))
            }
            guard let w = Int64(whole.isEmpty ? "0" : whole) else { return .failure(CELError("time: invalid duration \(quoted)")) }
            let (product, overflow) = w.multipliedReportingOverflow(by: scale)
            if overflow { return .failure(CELError("time: invalid duration \(quoted)")) }
            var part = product
            if !frac.isEmpty, let f = Double("0." + frac) {
                part += Int64((f * Double(scale)).rounded(.towardZero))
            }
            let (sum, sumOverflow) = exactTotal.addingReportingOverflow(part)
            if sumOverflow { return .failure(CELError("time: invalid duration \(quoted)")) }
            exactTotal = sum
        }
        return .success(CELDuration(nanoseconds: negative ? -exactTotal : exactTotal))
    }
}

/// An instant in UTC: seconds since the Unix epoch and nanoseconds, within
/// CEL's range (years 0001 to 9999).
public struct CELTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var seconds: Int64
    public var nanos: Int32

    static let minSeconds: Int64 = -62_135_596_800
    static let maxSeconds: Int64 = 253_402_300_799

    /// Seconds since 1970-01-01T00:00:00Z and nanoseconds (0 ..< 1e9) into that second.
    public init(seconds: Int64, nanos: Int32 = 0) {
        self.seconds = seconds
        self.nanos = nanos
    }

    public static func < (a: CELTimestamp, b: CELTimestamp) -> Bool {
        (a.seconds, a.nanos) < (b.seconds, b.nanos)
    }

    var isInRange: Bool { seconds >= Self.minSeconds && seconds <= Self.maxSeconds }

    /// RFC 3339 with the shortest fraction, in UTC (`2024-01-02T03:04:05.5Z`), as Go's `RFC3339Nano`.
    public var description: String {
        let c = Civil(seconds: seconds)
        var text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year, c.month, c.day, c.hour, c.minute, c.second)
        if nanos > 0 {
            var fraction = String(nanos)
            fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "Z"
    }

    /// Parses RFC 3339 (`2006-01-02T15:04:05Z07:00`, optional fraction).
    public static func parse(_ text: String) -> Result<CELTimestamp, CELError> {
        let failure = CELError("parsing time \(text.goQuoted) as \"2006-01-02T15:04:05Z07:00\": cannot parse \(text.goQuoted) as \"2006\"")
        let s = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= s.count else { return nil }
            var v = 0
            for b in s[from..<from + count] {
                guard b >= 48 && b <= 57 else { return nil }
                v = v * 10 + Int(b - 48)
            }
            return v
        }
        guard s.count >= 20, let year = number(0, 4), s[4] == UInt8(ascii: "-"), let month = number(5, 2), s[7] == UInt8(ascii: "-"),
              let day = number(8, 2), s[10] == UInt8(ascii: "T") || s[10] == UInt8(ascii: "t"), let hour = number(11, 2),
              s[13] == UInt8(ascii: ":"), let minute = number(14, 2), s[16] == UInt8(ascii: ":"), let second = number(17, 2)
        else { return .failure(failure) }
        var i = 19
        var nanos = 0
        if i < s.count, s[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < s.count, s[i] >= 48 && s[i] <= 57 {
                if digits < 9 { nanos = nanos * 10 + Int(s[i] - 48) }
                digits += 1
                i += 1
            }
            if digits == 0 { return .failure(failure) }
            for _ in digits..<max(9, digits) { nanos *= 10 }
        }
        guard i < s.count else { return .failure(failure) }
        var offset = 0
        if s[i] == UInt8(ascii: "Z") || s[i] == UInt8(ascii: "z") {
            i += 1
        } else if s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") {
            guard let oh = number(i + 1, 2), i + 3 < s.count, s[i + 3] == UInt8(ascii: ":"), let om = number(i + 4, 2) else {
                return .failure(failure)
            }
            offset = (oh * 3600 + om * 60) * (s[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return .failure(failure)
        }
        guard i == s.count, (1...12).contains(month), day >= 1, day <= Civil.daysIn(year: year, month: month),
              hour < 24, minute < 60, second < 60 else { return .failure(failure) }
        let days = Civil.days(year: year, month: month, day: day)
        let secs = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
        let ts = CELTimestamp(seconds: secs, nanos: Int32(nanos))
        guard ts.isInRange else { return .failure(CELError("timestamp out of range")) }
        return .success(ts)
    }

    func adding(_ d: CELDuration) -> CELValue {
        var secs = seconds + d.nanoseconds / 1_000_000_000
        var ns = Int64(nanos) + d.nanoseconds % 1_000_000_000
        if ns < 0 { ns += 1_000_000_000; secs -= 1 }
        if ns >= 1_000_000_000 { ns -= 1_000_000_000; secs += 1 }
        let ts = CELTimestamp(seconds: secs, nanos: Int32(ns))
        return ts.isInRange ? .timestamp(ts) : .error(CELError("timestamp overflow"))
    }

    func difference(_ other: CELTimestamp) -> CELValue {
        let (s, o1) = (seconds - other.seconds).multipliedReportingOverflow(by: 1_000_000_000)
        let (total, o2) = s.addingReportingOverflow(Int64(nanos) - Int64(other.nanos))
        if o1 || o2 { return .error(CELError("duration overflow")) }
        return .duration(CELDuration(nanoseconds: total))
    }

    /// The UTC offset (seconds) of a CEL time zone argument: an IANA name, `UTC`, or `±hh:mm`.
    static func offset(for zone: String, at seconds: Int64) -> Int? {
        let bytes = Array(zone.utf8)
        if bytes.count == 6, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-"), bytes[3] == UInt8(ascii: ":"),
           let h = Int(String(decoding: bytes[1...2], as: UTF8.self)), let m = Int(String(decoding: bytes[4...5], as: UTF8.self)) {
            return (h * 3600 + m * 60) * (bytes[0] == UInt8(ascii: "-") ? -1 : 1)
        }
        if zone == "UTC" { return 0 }
        guard let tz = TimeZone(identifier: zone) else { return nil }
        return tz.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// A calendar field in the given zone (UTC when nil), as the `get*` accessors define them.
    func field(_ name: String, zone: String?) -> CELValue {
        var local = seconds
        if let zone {
            guard let offset = Self.offset(for: zone, at: seconds) else {
                return .error(CELError("unknown time zone \(zone)"))
            }
            local += Int64(offset)
        }
        let c = Civil(seconds: local)
        switch name {
        case "getFullYear": return .int(Int64(c.year))
        case "getMonth": return .int(Int64(c.month - 1))
        case "getDate": return .int(Int64(c.day))
        case "getDayOfMonth": return .int(Int64(c.day - 1))
        case "getDayOfYear": return .int(Int64(c.dayOfYear - 1))
        case "getDayOfWeek": return .int(Int64(c.weekday))
        case "getHours": return .int(Int64(c.hour))
        case "getMinutes": return .int(Int64(c.minute))
        case "getSeconds": return .int(Int64(c.second))
        case "getMilliseconds": return .int(Int64(nanos / 1_000_000))
        default: return .error(.noSuchOverload)
        }
    }
}

/// Proleptic Gregorian calendar arithmetic (days from the Unix epoch).
struct Civil {
    var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
    /// 1-based day of the year.
    var dayOfYear: Int
    /// 0 for Sunday.
    var weekday: Int

    init(seconds: Int64) {
        var days = seconds / 86_400
        var rem = seconds % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        hour = Int(rem / 3600)
        minute = Int(rem % 3600 / 60)
        second = Int(rem % 60)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = Int(doy - (153 * mp + 2) / 5 + 1)
        month = Int(mp < 10 ? mp + 3 : mp - 9)
        year = Int(yoe + era * 400) + (month <= 2 ? 1 : 0)
        dayOfYear = Int(days - Int64(Civil.days(year: year, month: 1, day: 1))) + 1
        let w = (days + 4) % 7
        weekday = Int(w < 0 ? w + 7 : w)
    }

    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = month
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
