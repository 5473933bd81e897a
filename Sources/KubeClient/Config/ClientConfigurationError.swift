//! The error of configuration loading: which file, which field (as a path
//! such as `users[name=bob].user.client-certificate`) and what is wrong.

/// A client configuration that cannot be loaded or used.
///
/// The description names the file and the field when known:
/// `kubeconfig /x/config: users[name=bob].user.client-certificate: open /x/missing.pem: no such file or directory`.
public struct ClientConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kubeconfig file the problem is in, if any.
    public var file: String?
    /// The path of the offending field inside the file, if any.
    public var field: String?
    public var message: String

    public init(file: String? = nil, field: String? = nil, message: String) {
        self.file = file
        self.field = field
        self.message = message
    }

    public var description: String {
        var parts: [String] = []
        if let file { parts.append("kubeconfig \(file)") }
        if let field { parts.append(field) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}
