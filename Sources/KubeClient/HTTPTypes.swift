//! The HTTP vocabulary of the client: methods, header lists, requests and the
//! two response shapes (buffered and streaming) the transport produces.
//! Request and response types are named `Transport…` so they do not collide
//! with swift-http-types' `HTTPRequest`/`HTTPResponse`, which Hummingbird
//! re-exports into every module that imports it.
import Foundation

/// An HTTP request method.
public struct HTTPMethod: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public static let get = HTTPMethod(rawValue: "GET")
    public static let head = HTTPMethod(rawValue: "HEAD")
    public static let post = HTTPMethod(rawValue: "POST")
    public static let put = HTTPMethod(rawValue: "PUT")
    public static let patch = HTTPMethod(rawValue: "PATCH")
    public static let delete = HTTPMethod(rawValue: "DELETE")

    public var description: String { rawValue }

    /// Whether repeating the request cannot change its effect beyond the first
    /// attempt. Only reads qualify: a Kubernetes PUT or DELETE may succeed
    /// once and fail (or act on a newer object) when repeated.
    public var isSafeToRepeat: Bool { self == .get || self == .head }
}

/// One header field as received or to be sent.
public struct HTTPHeader: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// An ordered list of header fields. Names compare case-insensitively;
/// repeated fields (such as several `Warning` headers) are kept in order.
public struct HTTPHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [HTTPHeader]

    public init(_ fields: [HTTPHeader] = []) { self.fields = fields }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.fields = elements.map { HTTPHeader(name: $0.0, value: $0.1) }
    }

    /// The first value of the field `name`, if present.
    public subscript(name: String) -> String? {
        fields.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// Every value of the field `name`, in the order received.
    public func values(for name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveEquals(name) }.map(\.value)
    }

    /// Appends a field, keeping any existing field of the same name.
    public mutating func add(name: String, value: String) {
        fields.append(HTTPHeader(name: name, value: value))
    }

    /// Replaces every field named `name` by one field with `value`.
    public mutating func replaceOrAdd(name: String, value: String) {
        remove(name: name)
        add(name: name, value: value)
    }

    /// Removes every field named `name`.
    public mutating func remove(name: String) {
        fields.removeAll { $0.name.caseInsensitiveEquals(name) }
    }

    public func contains(name: String) -> Bool { self[name] != nil }

    public func makeIterator() -> IndexingIterator<[HTTPHeader]> { fields.makeIterator() }
}

extension String {
    func caseInsensitiveEquals(_ other: String) -> Bool {
        self.utf8.count == other.utf8.count && self.lowercased() == other.lowercased()
    }
}

/// A request to the configured API server.
///
/// `path` is absolute (`/api/v1/pods`) and is appended to the server URL of
/// the transport's `ClientConfiguration` (which may carry a path prefix);
/// `query` is percent-encoded by the transport.
public struct TransportRequest: Sendable, Hashable {
    public var method: HTTPMethod
    public var path: String
    public var query: [URLQueryItem]
    public var headers: HTTPHeaders
    public var body: Data?
    /// The limit on the whole exchange. `nil` means the transport default:
    /// `ClientConfiguration.requestTimeout` for `send`, no limit for `stream`.
    public var timeout: Duration?
    /// Abort the transfer with a `.timeout` error when less than one byte per
    /// second arrives for this period (libcurl's low-speed limit, whole
    /// seconds). libcurl averages the speed over a few seconds, so a stall
    /// right after data is noticed up to about 5 s late. Meant for
    /// long-lived streams such as watches, to detect a dead peer. `nil`
    /// disables the check.
    public var idleTimeout: Duration?

    public init(
        method: HTTPMethod = .get, path: String, query: [URLQueryItem] = [], headers: HTTPHeaders = [:],
        body: Data? = nil, timeout: Duration? = nil, idleTimeout: Duration? = nil
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.idleTimeout = idleTimeout
    }
}

/// The status line and headers of a response.
public struct ResponseHead: Sendable, Hashable {
    /// The HTTP status code, e.g. 200.
    public var status: Int
    /// The protocol the server answered with: `HTTP/1.1` or `HTTP/2`.
    public var version: String
    public var headers: HTTPHeaders

    public init(status: Int, version: String = "HTTP/1.1", headers: HTTPHeaders = [:]) {
        self.status = status
        self.version = version
        self.headers = headers
    }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }
}

/// A response whose body has been read completely.
public struct TransportResponse: Sendable, Hashable {
    public var head: ResponseHead
    /// The body, decompressed when the server used a content encoding.
    public var body: Data

    public init(head: ResponseHead, body: Data) {
        self.head = head
        self.body = body
    }

    public var status: Int { head.status }
    public var headers: HTTPHeaders { head.headers }
}

/// A response whose body arrives as it is received.
///
/// Iterating `body` yields chunks as libcurl delivers them (chunk boundaries
/// carry no meaning). The stream finishes when the server ends the response
/// and throws the transfer's error (`TransportError`) if it fails midway.
/// The transfer is aborted when the iterating task is cancelled (iteration
/// then ends, returning nil) or when the stream is dropped before its end.
/// Chunks are buffered without limit until consumed.
public struct TransportStreamResponse: Sendable {
    public var head: ResponseHead
    public var body: AsyncThrowingStream<Data, any Error>

    public init(head: ResponseHead, body: AsyncThrowingStream<Data, any Error>) {
        self.head = head
        self.body = body
    }

    public var status: Int { head.status }
    public var headers: HTTPHeaders { head.headers }

    /// Reads the rest of the body into memory (for error bodies of streams).
    public func collectBody(limit: Int = 1 << 20) async throws -> Data {
        var data = Data()
        for try await chunk in body {
            data.append(chunk.prefix(max(0, limit - data.count)))
            if data.count >= limit { break }
        }
        return data
    }
}
