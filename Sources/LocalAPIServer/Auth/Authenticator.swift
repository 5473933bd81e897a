//! Authentication, as kube-apiserver does it with `--token-auth-file` and
//! `--client-ca-file`: a bearer token from the token table, or a client
//! certificate signed by the cluster CA (CN = user, O = groups).
import Foundation
import KubeCore
import PKI
import Synchronization

public final class Authenticator: Sendable {
    private let tokens: Mutex<[String: UserInfo]>
    /// Users of client certificates already parsed: TLS verified the chain, and
    /// parsing with OpenSSL on every request would cost more than the request.
    private let certificateUsers = Mutex<[[UInt8]: UserInfo]>([:])
    private static let certificateCacheLimit = 1024

    public init(tokens: [String: UserInfo] = [:]) {
        self.tokens = Mutex(tokens)
    }

    /// Adds or replaces a token.
    public func addToken(_ token: String, for user: UserInfo) {
        tokens.withLock { $0[token] = user }
    }

    /// Removes a token (a rotated or revoked credential).
    public func removeToken(_ token: String) {
        tokens.withLock { _ = $0.removeValue(forKey: token) }
    }

    /// Reads a kube-apiserver token file: `token,user,uid,"group1,group2"` per line.
    public static func parseTokenFile(_ text: String) -> [String: UserInfo] {
        var result: [String: UserInfo] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            var fields: [String] = []
            var current = ""
            var quoted = false
            for ch in trimmed {
                if ch == "\"" { quoted.toggle() } else if ch == ",", !quoted {
                    fields.append(current)
                    current = ""
                } else { current.append(ch) }
            }
            fields.append(current)
            guard fields.count >= 2 else { continue }
            let groups = fields.count > 3 ? fields[3].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } : []
            result[fields[0]] = UserInfo(name: fields[1], uid: fields.count > 2 ? fields[2] : "", groups: groups + ["system:authenticated"])
        }
        return result
    }

    /// The user behind a request: its bearer token, else its verified client certificate.
    /// - Parameter clientCertificateDER: the peer certificate TLS already verified against the cluster CA.
    public func authenticate(authorization: String?, clientCertificateDER: [UInt8]?) -> UserInfo? {
        if let authorization, authorization.lowercased().hasPrefix("bearer ") {
            let token = String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
            return tokens.withLock { $0[token] }
        }
        guard let der = clientCertificateDER else { return nil }
        if let known = certificateUsers.withLock({ $0[der] }) { return known }
        guard let certificate = try? Certificate(der: der), let name = certificate.subject.commonName, !name.isEmpty else {
            return nil
        }
        let user = UserInfo(name: name, groups: certificate.subject.organizations + ["system:authenticated"])
        certificateUsers.withLock { cache in
            if cache.count >= Self.certificateCacheLimit { cache.removeAll() }
            cache[der] = user
        }
        return user
    }
}
