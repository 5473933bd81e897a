//! Pure helpers of the transport: resolving the server URL (and the TLS server
//! name override), percent-encoding queries, validating headers, and parsing
//! the response header lines libcurl hands back.
import Foundation

/// The server URL taken apart once, so each request only appends a path.
struct ServerEndpoint: Sendable, Hashable {
    /// `scheme://authority[/prefix]` that request paths are appended to. When
    /// a TLS server name is configured, the authority names that server name.
    var baseURL: String
    /// The libcurl `CONNECT_TO` entry sending connections for the server name
    /// to the real host, when a TLS server name is configured.
    var connectTo: String?
    /// The `Host` header to send instead of the one libcurl derives, when a
    /// TLS server name is configured.
    var hostHeader: String?

    /// Parses `server` (`https://host:port[/prefix]`), applying `serverName`.
    init(server: String, serverName: String?) throws(TransportError) {
        guard let components = URLComponents(string: server),
            let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let host = components.host, !host.isEmpty
        else {
            throw TransportError(kind: .invalidRequest, message: "invalid server URL \"\(server)\": want http(s)://host[:port][/path]")
        }
        guard components.query == nil, components.fragment == nil, components.user == nil else {
            throw TransportError(kind: .invalidRequest, message: "invalid server URL \"\(server)\": it may not carry a query, fragment or user info")
        }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        let hostLiteral = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let authority = components.port == nil ? hostLiteral : "\(hostLiteral):\(port)"
        var prefix = components.percentEncodedPath
        while prefix.hasSuffix("/") { prefix.removeLast() }

        if let serverName, !serverName.isEmpty, serverName != host {
            guard !serverName.contains(where: { $0 == "/" || $0 == ":" || $0 == "@" || $0.isWhitespace }) else {
                throw TransportError(kind: .invalidRequest, message: "invalid TLS server name \"\(serverName)\"")
            }
            let nameAuthority = components.port == nil ? serverName : "\(serverName):\(port)"
            self.baseURL = "\(scheme)://\(nameAuthority)\(prefix)"
            self.connectTo = "\(serverName):\(port):\(hostLiteral):\(port)"
            self.hostHeader = authority
        } else {
            self.baseURL = "\(scheme)://\(authority)\(prefix)"
            self.connectTo = nil
            self.hostHeader = nil
        }
    }

    /// The full URL of a request path and query. `path` must start with `/`.
    func url(path: String, query: [URLQueryItem]) -> String {
        var url = baseURL + (path.hasPrefix("/") ? path : "/" + path)
        if !query.isEmpty {
            url += "?" + QueryEncoding.encode(query)
        }
        return url
    }
}

/// `application/x-www-form-urlencoded`-compatible query encoding that escapes
/// everything but RFC 3986 unreserved characters, so selectors such as
/// `app in (a,b),!legacy` survive intact.
enum QueryEncoding {
    static func encode(_ items: [URLQueryItem]) -> String {
        items.map { item in
            escape(item.name) + (item.value.map { "=" + escape($0) } ?? "")
        }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// Escapes one path segment (a namespace or object name).
    static func escapePathSegment(_ segment: String) -> String { escape(segment) }
}

/// One line of a response head as libcurl reports it.
enum ResponseHeaderLine: Equatable {
    /// `HTTP/1.1 200 OK`, `HTTP/2 200`.
    case status(version: String, code: Int)
    case field(HTTPHeader)
    /// The empty line ending a head.
    case end
    /// Anything else (a folded continuation line or garbage): ignored.
    case other

    init(_ raw: String) {
        var line = Substring(raw)
        // "\r\n" is a single Character in Swift, so it is matched as one.
        while let last = line.last, last == "\r\n" || last == "\n" || last == "\r" { line.removeLast() }
        if line.isEmpty {
            self = .end
            return
        }
        if line.hasPrefix("HTTP/") {
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            if parts.count >= 2, let code = Int(parts[1]), (100...999).contains(code) {
                self = .status(version: String(parts[0]), code: code)
                return
            }
            self = .other
            return
        }
        guard let colon = line.firstIndex(of: ":"), colon != line.startIndex,
            line.first.map({ $0 != " " && $0 != "\t" }) == true
        else {
            self = .other
            return
        }
        let name = line[..<colon]
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        self = .field(HTTPHeader(name: String(name), value: value))
    }
}

enum HeaderValidation {
    /// Whether a header can be sent as is: a token name and a value without
    /// line breaks (which would let a value inject further headers).
    static func isValid(_ header: HTTPHeader) -> Bool {
        !header.name.isEmpty
            && header.name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }
            && !header.value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
    }
}

extension Duration {
    /// Whole milliseconds, rounded up so a tiny positive duration never
    /// becomes libcurl's "no limit" (0).
    var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(clamping: max(millis, 1))
    }

    /// Whole seconds, rounded up, at least 1.
    var wholeSeconds: Int {
        let (seconds, attoseconds) = components
        return Int(clamping: max(seconds + (attoseconds > 0 ? 1 : 0), 1))
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
