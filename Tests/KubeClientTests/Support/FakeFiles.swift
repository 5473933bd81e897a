//! An in-memory file system and environment for configuration loading tests.
import Foundation
import KubeClient
import Synchronization

/// Files by absolute path; missing files fail as the real reader does.
final class FakeFiles: Sendable {
    private let files: Mutex<[String: Data]>

    init(_ files: [String: String] = [:]) {
        self.files = Mutex(files.mapValues { Data($0.utf8) })
    }

    func write(_ path: String, _ text: String) { files.withLock { $0[path] = Data(text.utf8) } }
    func remove(_ path: String) { _ = files.withLock { $0.removeValue(forKey: path) } }

    func read(_ path: String) throws -> Data {
        guard let data = files.withLock({ $0[path] }) else {
            throw FileReadError(path: path, reason: "no such file or directory", isNotFound: true)
        }
        return data
    }

    func environment(_ variables: [String: String] = [:], home: String? = "/home/u") -> ConfigEnvironment {
        ConfigEnvironment(variables: variables, homeDirectory: home, readFile: { try self.read($0) })
    }
}

extension String {
    /// Base64 of the UTF-8 text, for `*-data` fields.
    var base64: String { Data(utf8).base64EncodedString() }
}
