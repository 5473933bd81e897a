//! One transfer on the driver thread: the libcurl easy handle configured from
//! a `TransferJob`, the C callbacks that collect the head and body, and the
//! delivery of the outcome to the waiting Swift task or stream.
import CCurl
import Foundation

/// The connection settings every transfer of one transport shares.
struct EasySettings: Sendable {
    var tls: TLSOptions
    var userAgent: String
    var connectTimeout: Duration
    var tcpKeepAlive: Duration?
    var proxyURL: String?
    var connectTo: String?
}

/// Where a transfer's outcome goes.
enum TransferSink: Sendable {
    /// `send`: the whole response, once.
    case buffered(CheckedContinuation<TransportResponse, any Error>)
    /// `stream`: the head once, then body chunks.
    case streaming(head: CheckedContinuation<ResponseHead, any Error>, body: AsyncThrowingStream<Data, any Error>.Continuation)
}

/// A request made ready for libcurl: plain values only, so it can cross
/// from the calling task to the driver thread.
struct PreparedRequest: Sendable {
    var id: UInt64
    var method: HTTPMethod
    var url: String
    /// Complete header lines (`Name: value`), credentials included. Never logged.
    var headerLines: [String]
    var body: Data?
    var timeout: Duration?
    var idleTimeout: Duration?
    var settings: EasySettings
}

/// A prepared request and where its outcome goes.
struct TransferJob: Sendable {
    var request: PreparedRequest
    var sink: TransferSink

    var id: UInt64 { request.id }
    var method: HTTPMethod { request.method }
    var url: String { request.url }

    /// Fails the job before it reached libcurl.
    func fail(_ error: any Error) {
        switch sink {
        case .buffered(let continuation):
            continuation.resume(throwing: error)
        case .streaming(let head, let body):
            head.resume(throwing: error)
            body.finish(throwing: error)
        }
    }
}

/// A running transfer. Lives only on the driver thread; libcurl calls back
/// into it through an unretained pointer while the driver keeps it alive.
final class CurlTransfer {
    let id: UInt64
    let easy: UnsafeMutableRawPointer
    private let method: HTTPMethod
    private let url: String
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var connectToList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>

    private var bufferedContinuation: CheckedContinuation<TransportResponse, any Error>?
    private var headContinuation: CheckedContinuation<ResponseHead, any Error>?
    private var bodyContinuation: AsyncThrowingStream<Data, any Error>.Continuation?
    private let streaming: Bool

    private var head = ResponseHead(status: 0)
    private var headComplete = false
    private var body = Data()
    /// Set when the stream's consumer went away and the write callback refused data.
    private var consumerGone = false

    /// Creates and configures the easy handle. On failure the job has not been
    /// failed yet; the caller does so with the thrown error.
    init(job: TransferJob) throws(TransportError) {
        guard let easy = curl_easy_init() else {
            throw TransportError(kind: .other, message: "\(job.method) \(job.url): curl_easy_init failed")
        }
        self.id = job.id
        self.easy = easy
        self.method = job.method
        self.url = job.url
        self.errorBuffer = .allocate(capacity: Int(CCURL_ERROR_SIZE))
        self.errorBuffer.initialize(repeating: 0, count: Int(CCURL_ERROR_SIZE))
        switch job.sink {
        case .buffered(let continuation):
            self.bufferedContinuation = continuation
            self.streaming = false
        case .streaming(let head, let body):
            self.headContinuation = head
            self.bodyContinuation = body
            self.streaming = true
        }
        try configure(job)
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        curl_slist_free_all(connectToList)
        errorBuffer.deallocate()
    }

    // MARK: Configuration

    private func configure(_ job: TransferJob) throws(TransportError) {
        let job = job.request
        let settings = job.settings
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try set(CURLOPT_URL, job.url)
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_FOLLOWLOCATION, 0)
        try set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS)
        try set(CURLOPT_PIPEWAIT, 1)
        try set(CURLOPT_ACCEPT_ENCODING, "")
        try set(CURLOPT_USERAGENT, settings.userAgent)
        try set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)
        try set(CURLOPT_PROXY, settings.proxyURL ?? "")
        try set(CURLOPT_CONNECTTIMEOUT_MS, settings.connectTimeout.wholeMilliseconds)
        if let timeout = job.timeout {
            try set(CURLOPT_TIMEOUT_MS, timeout.wholeMilliseconds)
        }
        if let idle = job.idleTimeout {
            try set(CURLOPT_LOW_SPEED_LIMIT, 1)
            try set(CURLOPT_LOW_SPEED_TIME, idle.wholeSeconds)
        }
        if let keepAlive = settings.tcpKeepAlive {
            try set(CURLOPT_TCP_KEEPALIVE, 1)
            try set(CURLOPT_TCP_KEEPIDLE, keepAlive.wholeSeconds)
            try set(CURLOPT_TCP_KEEPINTVL, keepAlive.wholeSeconds)
        }
        try configureTLS(settings.tls)
        if let connectTo = settings.connectTo {
            connectToList = curl_slist_append(nil, connectTo)
            try set(CURLOPT_CONNECT_TO, pointer: UnsafeMutableRawPointer(connectToList))
        }

        for line in job.headerLines {
            guard let appended = curl_slist_append(headerList, line) else {
                throw TransportError(kind: .other, message: "\(method) \(url): curl_slist_append failed")
            }
            headerList = appended
        }
        try set(CURLOPT_HTTPHEADER, pointer: UnsafeMutableRawPointer(headerList))
        try configureMethod(job.method, body: job.body)

        let context = Unmanaged.passUnretained(self).toOpaque()
        try check(ccurl_setopt_header_function(easy) { buffer, size, count, context in
            guard let buffer, let context else { return 0 }
            let length = size * count
            let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: length), as: UTF8.self)
            Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue().receiveHeaderLine(line)
            return length
        }, "HEADERFUNCTION")
        try set(CURLOPT_HEADERDATA, pointer: context)
        try check(ccurl_setopt_write_function(easy) { buffer, size, count, context in
            guard let context else { return 0 }
            let length = size * count
            let chunk = buffer.map { Data(bytes: $0, count: length) } ?? Data()
            let accepted = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue().receiveBody(chunk)
            return accepted ? length : 0
        }, "WRITEFUNCTION")
        try set(CURLOPT_WRITEDATA, pointer: context)
    }

    private func configureTLS(_ tls: TLSOptions) throws(TransportError) {
        if tls.insecureSkipTLSVerify {
            try set(CURLOPT_SSL_VERIFYPEER, 0)
            try set(CURLOPT_SSL_VERIFYHOST, 0)
        } else {
            try set(CURLOPT_SSL_VERIFYPEER, 1)
            try set(CURLOPT_SSL_VERIFYHOST, 2)
        }
        if let ca = tls.caCertificatesPEM {
            try setBlob(CURLOPT_CAINFO_BLOB, ca)
            // Trust only the given authorities, not the system directory too.
            try check(ccurl_setopt_string(easy, CURLOPT_CAPATH, nil), "CAPATH")
        }
        if let certificate = tls.clientCertificatePEM {
            try setBlob(CURLOPT_SSLCERT_BLOB, certificate)
            try set(CURLOPT_SSLCERTTYPE, "PEM")
        }
        if let key = tls.clientKeyPEM {
            try setBlob(CURLOPT_SSLKEY_BLOB, key)
            try set(CURLOPT_SSLKEYTYPE, "PEM")
        }
    }

    private func configureMethod(_ method: HTTPMethod, body: Data?) throws(TransportError) {
        switch method {
        case .get where body == nil:
            try set(CURLOPT_HTTPGET, 1)
            return
        case .head:
            try set(CURLOPT_NOBODY, 1)
            return
        default:
            try set(CURLOPT_CUSTOMREQUEST, method.rawValue)
        }
        // POST, PUT and PATCH always carry a body (Content-Length: 0 when empty);
        // other methods only when one is given.
        guard body != nil || method == .post || method == .put || method == .patch else { return }
        let payload = body ?? Data()
        try check(ccurl_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(payload.count)), "POSTFIELDSIZE_LARGE")
        let code = payload.withUnsafeBytes { bytes -> CURLcode in
            if let base = bytes.baseAddress {
                return ccurl_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base))
            }
            return ccurl_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, "")
        }
        try check(code, "COPYPOSTFIELDS")
    }

    private func set(_ option: CURLoption, _ value: Int) throws(TransportError) {
        try check(ccurl_setopt_long(easy, option, value), "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, _ value: String) throws(TransportError) {
        try check(ccurl_setopt_string(easy, option, value), "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(TransportError) {
        try check(ccurl_setopt_pointer(easy, option, pointer), "option \(option.rawValue)")
    }

    private func setBlob(_ option: CURLoption, _ data: Data) throws(TransportError) {
        let code = data.withUnsafeBytes { ccurl_setopt_blob(easy, option, $0.baseAddress, $0.count) }
        try check(code, "option \(option.rawValue)")
    }

    private func check(_ code: CURLcode, _ what: String) throws(TransportError) {
        guard code != CURLE_OK else { return }
        throw TransportError(
            kind: .invalidRequest, curlCode: Int(code.rawValue),
            message: "\(method) \(url): libcurl rejected \(what): \(String(cString: curl_easy_strerror(code)))")
    }

    // MARK: Callbacks (driver thread, inside curl_multi_perform)

    private func receiveHeaderLine(_ raw: String) {
        guard !headComplete else { return }  // trailers
        switch ResponseHeaderLine(raw) {
        case .status(let version, let code):
            head = ResponseHead(status: code, version: version)
        case .field(let header):
            head.headers.add(name: header.name, value: header.value)
        case .end:
            // 1xx heads are followed by the real one.
            guard head.status >= 200 else { return }
            headComplete = true
            if let continuation = headContinuation {
                headContinuation = nil
                continuation.resume(returning: head)
            }
        case .other:
            break
        }
    }

    /// Returns false to make libcurl abort the transfer.
    private func receiveBody(_ chunk: Data) -> Bool {
        guard streaming else {
            body.append(chunk)
            return true
        }
        guard let bodyContinuation else { return false }
        if case .terminated = bodyContinuation.yield(chunk) {
            consumerGone = true
            return false
        }
        return true
    }

    // MARK: Completion (driver thread, outside callbacks, after the handle left the multi)

    /// Delivers the outcome of a finished transfer.
    func complete(_ code: CURLcode) {
        if code == CURLE_OK {
            succeed()
        } else if consumerGone {
            fail(CancellationError())
        } else {
            fail(makeError(code))
        }
    }

    private func succeed() {
        if let continuation = bufferedContinuation {
            bufferedContinuation = nil
            continuation.resume(returning: TransportResponse(head: head, body: body))
        }
        if let continuation = headContinuation {
            headContinuation = nil
            continuation.resume(returning: head)
        }
        if let continuation = bodyContinuation {
            bodyContinuation = nil
            continuation.finish()
        }
    }

    /// Delivers `error` to whoever still waits.
    func fail(_ error: any Error) {
        if let continuation = bufferedContinuation {
            bufferedContinuation = nil
            continuation.resume(throwing: error)
        }
        if let continuation = headContinuation {
            headContinuation = nil
            continuation.resume(throwing: error)
        }
        if let continuation = bodyContinuation {
            bodyContinuation = nil
            // A cancelled body ends like any cancelled AsyncThrowingStream: its
            // iteration returns nil, whichever of the consumer's cancellation
            // and this abort is seen first.
            if error is CancellationError {
                continuation.finish()
            } else {
                continuation.finish(throwing: error)
            }
        }
    }

    private func makeError(_ code: CURLcode) -> TransportError {
        let summary = String(cString: curl_easy_strerror(code))
        let detail = String(cString: errorBuffer).trimmingCharacters(in: .whitespacesAndNewlines)
        let message = detail.isEmpty || detail == summary ? summary : "\(summary) (\(detail))"
        return TransportError(
            kind: TransportError.Kind(curlCode: Int(code.rawValue)), curlCode: Int(code.rawValue),
            message: "\(method) \(url): \(message)")
    }
}

extension TransportError.Kind {
    /// Classifies a libcurl result code.
    init(curlCode: Int) {
        switch curlCode {
        case Int(CURLE_COULDNT_RESOLVE_PROXY.rawValue), Int(CURLE_COULDNT_RESOLVE_HOST.rawValue),
            Int(CURLE_COULDNT_CONNECT.rawValue):
            self = .connect
        case Int(CURLE_OPERATION_TIMEDOUT.rawValue):
            self = .timeout
        case Int(CURLE_SSL_CONNECT_ERROR.rawValue), Int(CURLE_PEER_FAILED_VERIFICATION.rawValue),
            Int(CURLE_SSL_CERTPROBLEM.rawValue), Int(CURLE_SSL_CIPHER.rawValue),
            Int(CURLE_SSL_CACERT_BADFILE.rawValue), Int(CURLE_SSL_ISSUER_ERROR.rawValue),
            Int(CURLE_SSL_PINNEDPUBKEYNOTMATCH.rawValue), Int(CURLE_SSL_INVALIDCERTSTATUS.rawValue),
            Int(CURLE_SSL_CRL_BADFILE.rawValue), Int(CURLE_SSL_ENGINE_NOTFOUND.rawValue),
            Int(CURLE_SSL_ENGINE_SETFAILED.rawValue), Int(CURLE_SSL_ENGINE_INITFAILED.rawValue),
            Int(CURLE_SSL_CLIENTCERT.rawValue):
            self = .tls
        case Int(CURLE_SEND_ERROR.rawValue), Int(CURLE_RECV_ERROR.rawValue), Int(CURLE_GOT_NOTHING.rawValue),
            Int(CURLE_PARTIAL_FILE.rawValue), Int(CURLE_HTTP2.rawValue), Int(CURLE_HTTP2_STREAM.rawValue):
            self = .connectionLost
        case Int(CURLE_UNSUPPORTED_PROTOCOL.rawValue), Int(CURLE_URL_MALFORMAT.rawValue),
            Int(CURLE_BAD_FUNCTION_ARGUMENT.rawValue):
            self = .invalidRequest
        default:
            self = .other
        }
    }
}
