//! The label and field selectors of a list, watch or deletecollection request,
//! checked against the resource's selectable fields.
import KubeCore

struct ListSelectors: Sendable {
    let labels: LabelSelectorRequirements?
    let fields: FieldSelector?
    let type: ResourceType

    init(_ request: ResourceRequest, _ type: ResourceType) throws {
        self.type = type
        if let raw = request.query["labelSelector"], !raw.isEmpty {
            do {
                labels = try LabelSelectorRequirements(parsing: raw)
            } catch {
                throw APIError.badRequest(error.message)
            }
        } else {
            labels = nil
        }
        if let raw = request.query["fieldSelector"], !raw.isEmpty {
            let parsed: FieldSelector
            do {
                parsed = try FieldSelector(parsing: raw)
            } catch {
                throw APIError.badRequest(error.message)
            }
            do {
                try parsed.checkSupported(Set(type.selectableFields(of: KubeObject([:])).keys))
            } catch {
                throw APIError.badRequest(error.message)
            }
            fields = parsed
        } else {
            fields = nil
        }
    }

    var isEmpty: Bool { labels == nil && fields == nil }

    func matches(_ object: KubeObject) -> Bool {
        if let labels, !labels.matches(object.labels) { return false }
        if let fields, !fields.matches(type.selectableFields(of: object)) { return false }
        return true
    }
}
