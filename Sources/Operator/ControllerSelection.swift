//! Which reconcilers one operator process runs (`run --controllers`): the
//! names, their parsing, and the mapping to each name's set-up. Pure; the
//! command line supplies the set-ups (this module cannot see them).
import Foundation

/// A reconciler family the operator can run.
public enum OperatorControllerName: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    /// The OpenShellSandbox and OpenShellPolicy reconcilers.
    case sandbox
    /// The OpenShellGateway reconciler.
    case gateway

    public var description: String { rawValue }
}

/// A chosen, ordered, duplicate-free set of controllers.
public struct ControllerSelection: Sendable, Hashable, CustomStringConvertible {
    public let names: [OperatorControllerName]

    /// Every controller (the default).
    public static let all = ControllerSelection(checked: OperatorControllerName.allCases)

    private init(checked names: [OperatorControllerName]) { self.names = names }

    /// Parses a comma-separated list such as `sandbox,gateway` (spaces
    /// around names are ignored; a name given twice counts once).
    public init(parsing text: String) throws(ControllerSelectionError) {
        var names: [OperatorControllerName] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let word = part.trimmingCharacters(in: .whitespaces)
            guard let name = OperatorControllerName(rawValue: word) else {
                throw ControllerSelectionError(word: word)
            }
            if !names.contains(name) { names.append(name) }
        }
        self.init(checked: names)
    }

    public func contains(_ name: OperatorControllerName) -> Bool { names.contains(name) }

    /// The set-ups of the chosen controllers, in the order `setups` lists them.
    public func setups(_ setups: KeyValuePairs<OperatorControllerName, any ControllerSetup>) -> [any ControllerSetup] {
        setups.filter { contains($0.key) }.map(\.value)
    }

    public var description: String { names.map(\.rawValue).joined(separator: ",") }
}

/// A name `--controllers` does not know.
public struct ControllerSelectionError: Error, Sendable, CustomStringConvertible {
    public var word: String
    public var description: String {
        let known = OperatorControllerName.allCases.map(\.rawValue).joined(separator: ", ")
        return word.isEmpty
            ? "--controllers lists no controller; name one or more of \(known), separated by commas"
            : "--controllers: unknown controller \"\(word)\"; the controllers are \(known)"
    }
}
