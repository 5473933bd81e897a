//! `TokenFileProvider`: a bearer token read from a file that is rotated in
//! place (projected service account tokens, kubeconfig `tokenFile`), re-read
//! at most once per interval as client-go does, keeping the last good token.
import Foundation
import KubeCore
import Logging
import Synchronization

/// A bearer token from a file, re-read at most every `reloadInterval`.
///
/// When a re-read fails or finds an empty file, the last good token is kept
/// (and a warning logged, without the token); the next attempt comes one
/// interval later. `token()` throws only while no good token was ever read.
/// Surrounding whitespace of the file is trimmed.
public final class TokenFileProvider: BearerTokenProvider, CustomStringConvertible {
    public let path: String
    public let reloadInterval: Duration
    private let clock: any WallClock
    private let readFile: @Sendable (String) throws -> Data
    private let logger: Logger
    private let state: Mutex<State>

    private struct State {
        var token: String?
        /// When the file was last read (successfully or not).
        var lastRead: Date?
    }

    /// - Parameters:
    ///   - path: the token file.
    ///   - initialToken: a token already read from `path` at `clock.now()`;
    ///     the file is then not read again before one interval passed.
    ///   - reloadInterval: defaults to 60 s (client-go's cached file token source).
    ///   - clock: the time source for the interval.
    ///   - readFile: reads the file; defaults to the file system.
    ///   - logger: receives a warning when a re-read fails.
    public init(
        path: String, initialToken: String? = nil, reloadInterval: Duration = .seconds(60),
        clock: any WallClock = SystemWallClock(),
        readFile: @escaping @Sendable (String) throws -> Data = ConfigEnvironment.readFileFromDisk,
        logger: Logger = Logger(label: "kube-client")
    ) {
        self.path = path
        self.reloadInterval = reloadInterval
        self.clock = clock
        self.readFile = readFile
        self.logger = logger
        let token = initialToken.flatMap { $0.isEmpty ? nil : $0 }
        self.state = Mutex(State(token: token, lastRead: token == nil ? nil : clock.now()))
    }

    public var description: String { "TokenFileProvider(\(path))" }

    /// The current token, re-reading the file when the interval has passed.
    /// - Throws: `FileReadError` (or an empty-file error) while no token was ever read.
    public func token() async throws -> String {
        try state.withLock { state in
            let now = clock.now()
            if let token = state.token, let last = state.lastRead,
                now.timeIntervalSince(last) < reloadInterval.timeInterval
            {
                return token
            }
            state.lastRead = now
            do {
                state.token = try read()
            } catch {
                guard state.token != nil else { throw error }
                logger.warning(
                    "cannot reload the bearer token file, keeping the previous token",
                    metadata: ["path": "\(path)", "error": "\(error)"])
            }
            // Either just read or kept from before.
            guard let token = state.token else { throw TokenFileError(path: path) }
            return token
        }
    }

    /// Re-reads the file now (the server rejected the token) and returns
    /// whether the token changed, so that a retry can succeed.
    @discardableResult
    public func invalidate() -> Bool {
        state.withLock { state in
            state.lastRead = clock.now()
            guard let fresh = try? read(), fresh != state.token else { return false }
            state.token = fresh
            return true
        }
    }

    /// Reads and trims the file; an empty file is an error.
    private func read() throws -> String {
        let token = String(decoding: try readFile(path), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw TokenFileError(path: path) }
        return token
    }
}

/// A token file that holds no token.
public struct TokenFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var description: String { "read token file \(path): the file is empty" }
}

extension Duration {
    /// The duration in seconds as a `TimeInterval`.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
