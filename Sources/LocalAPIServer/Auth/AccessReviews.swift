//! The review APIs: `authorization.k8s.io/v1` SelfSubjectAccessReview,
//! SubjectAccessReview, LocalSubjectAccessReview and SelfSubjectRulesReview, and
//! `authentication.k8s.io/v1` TokenReview and SelfSubjectReview — create-only
//! virtual resources answered from the authorizer and authenticator, never
//! stored (what `kubectl auth can-i` and `kubectl auth whoami` call).
import Foundation
import KubeCore

/// The review resources this server answers.
enum AccessReviewKind: String, CaseIterable, Sendable {
    case selfSubjectAccessReview = "selfsubjectaccessreviews"
    case subjectAccessReview = "subjectaccessreviews"
    case localSubjectAccessReview = "localsubjectaccessreviews"
    case selfSubjectRulesReview = "selfsubjectrulesreviews"
    case tokenReview = "tokenreviews"
    case selfSubjectReview = "selfsubjectreviews"

    static let authorizationGroup = "authorization.k8s.io"
    static let authenticationGroup = "authentication.k8s.io"

    init?(_ type: ResourceType) {
        guard !type.isCustom, let kind = AccessReviewKind(rawValue: type.resource), kind.group == type.group else { return nil }
        self = kind
    }

    var group: String {
        switch self {
        case .tokenReview, .selfSubjectReview: Self.authenticationGroup
        default: Self.authorizationGroup
        }
    }

    var kind: String {
        switch self {
        case .selfSubjectAccessReview: "SelfSubjectAccessReview"
        case .subjectAccessReview: "SubjectAccessReview"
        case .localSubjectAccessReview: "LocalSubjectAccessReview"
        case .selfSubjectRulesReview: "SelfSubjectRulesReview"
        case .tokenReview: "TokenReview"
        case .selfSubjectReview: "SelfSubjectReview"
        }
    }
}

extension ResourceType {
    /// The review resources, as discovery lists them (create only).
    static let accessReviews: [ResourceType] = AccessReviewKind.allCases.map { review in
        .builtin(group: review.group, version: "v1", resource: review.rawValue, kind: review.kind,
                 namespaced: review == .localSubjectAccessReview, verbs: ["create"])
    }
}

extension APIServerCore {
    /// Answers a request for a review resource: only `create` exists; the
    /// answer is the request object with its `status` filled, with 201.
    func review(_ request: ResourceRequest, _ type: ResourceType, _ review: AccessReviewKind) throws -> APIResponse {
        guard request.verb == .create, request.subresource == nil else {
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
        var decodable = request
        if let contentType = request.contentType, AccessReviewProtobuf.isProtobuf(contentType: contentType), let body = request.body {
            decodable.body = try AccessReviewProtobuf.decode(body).serialized()
            decodable.contentType = "application/json"
        }
        var object = try requestObject(decodable, type)
        let groupKind = GroupKind(group: review.group, kind: review.kind)
        let spec = object.spec ?? .object([:])
        let status: JSONValue
        switch review {
        case .selfSubjectAccessReview:
            let attributes = try Self.reviewAttributes(spec, user: request.user, groupKind: groupKind, subjectRequired: false)
            status = Self.accessStatus(accessControl.authorizer.authorize(attributes))
        case .subjectAccessReview, .localSubjectAccessReview:
            if review == .localSubjectAccessReview {
                let namespace = request.namespace ?? ""
                if object.namespace.isEmpty { object.namespace = namespace }
                guard object.namespace == namespace else {
                    throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
                }
                if spec["nonResourceAttributes"].map({ !$0.isNull }) ?? false {
                    throw APIError.invalid(groupKind, name: object.name, errors: [
                        .invalid(FieldPath("spec.nonResourceAttributes"), spec["nonResourceAttributes"], "disallowed on this kind of request"),
                    ])
                }
                let target = spec["resourceAttributes"]?["namespace"]?.stringValue ?? ""
                if spec["resourceAttributes"].map({ !$0.isNull }) ?? false, target != object.namespace {
                    throw APIError.invalid(groupKind, name: object.name, errors: [
                        .invalid(FieldPath("spec.resourceAttributes.namespace"), .string(target), "must match metadata.namespace"),
                    ])
                }
            }
            let subject = UserInfo(name: spec["user"]?.stringValue ?? "", uid: spec["uid"]?.stringValue ?? "",
                                   groups: spec["groups"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let attributes = try Self.reviewAttributes(spec, user: subject, groupKind: groupKind, subjectRequired: true)
            status = Self.accessStatus(accessControl.authorizer.authorize(attributes))
        case .selfSubjectRulesReview:
            guard let namespace = spec["namespace"]?.stringValue, !namespace.isEmpty else {
                throw APIError.badRequest("no namespace on request")
            }
            status = Self.rulesStatus(accessControl.authorizer.rules(for: request.user, namespace: namespace))
        case .tokenReview:
            guard let token = spec["token"]?.stringValue, !token.isEmpty else {
                throw APIError.badRequest("token is required for TokenReview in authentication")
            }
            let audiences = spec["audiences"]?.arrayValue?.compactMap(\.stringValue) ?? []
            status = tokenStatus(token: token, audiences: audiences)
        case .selfSubjectReview:
            status = ["userInfo": Self.userInfoJSON(request.user)]
        }
        object.status = status
        if object.json["metadata"] == nil { object.json["metadata"] = .object([:]) }
        return .ok(object.value, code: 201)
    }

    // MARK: Access reviews

    /// The attributes a (Self)SubjectAccessReview asks about, after kube's validation:
    /// exactly one of resourceAttributes and nonResourceAttributes, and for
    /// SubjectAccessReviews a user or a group.
    static func reviewAttributes(_ spec: JSONValue, user: UserInfo, groupKind: GroupKind, subjectRequired: Bool) throws -> AuthorizationAttributes {
        let resource = spec["resourceAttributes"].flatMap { $0.isNull ? nil : $0 }
        let nonResource = spec["nonResourceAttributes"].flatMap { $0.isNull ? nil : $0 }
        var errors: [FieldError] = []
        if resource != nil, let nonResource {
            errors.append(.invalid(FieldPath("spec.nonResourceAttributes"), nonResource, "cannot be specified in combination with resourceAttributes"))
        }
        if resource == nil, nonResource == nil {
            errors.append(.invalid(FieldPath("spec.resourceAttributes"), .null, "exactly one of nonResourceAttributes or resourceAttributes must be specified"))
        }
        if subjectRequired, user.name.isEmpty, user.groups.isEmpty {
            errors.append(.invalid(FieldPath("spec.user"), .string(""), "at least one of user or group must be specified"))
        }
        if !errors.isEmpty { throw APIError.invalid(groupKind, name: "", errors: errors) }
        func string(_ value: JSONValue?, _ key: String) -> String { value?[key]?.stringValue ?? "" }
        if let resource {
            let version = string(resource, "version")
            return AuthorizationAttributes(user: user, verb: string(resource, "verb"), namespace: string(resource, "namespace"),
                                           apiGroup: string(resource, "group"), apiVersion: version.isEmpty ? "*" : version,
                                           resource: string(resource, "resource"), subresource: string(resource, "subresource"),
                                           name: string(resource, "name"))
        }
        return AuthorizationAttributes(user: user, verb: string(nonResource, "verb"), path: string(nonResource, "path"))
    }

    /// `SubjectAccessReviewStatus`: `allowed` always, `denied` and `reason` when set.
    static func accessStatus(_ decision: AuthorizationDecision) -> JSONValue {
        var status: JSONObject = ["allowed": .bool(decision.isAllowed)]
        if decision.outcome == .deny { status["denied"] = true }
        if !decision.reason.isEmpty { status["reason"] = .string(decision.reason) }
        return .object(status)
    }

    /// `SubjectRulesReviewStatus`.
    static func rulesStatus(_ rules: SubjectRules) -> JSONValue {
        var status: JSONObject = [
            "resourceRules": .array(rules.resourceRules.map { rule in
                var json = PolicyRule(verbs: rule.verbs, apiGroups: rule.apiGroups, resources: rule.resources,
                                      resourceNames: rule.resourceNames).json
                json["nonResourceURLs"] = nil
                return json
            }),
            "nonResourceRules": .array(rules.nonResourceRules.map { PolicyRule(verbs: $0.verbs, nonResourceURLs: $0.nonResourceURLs).json }),
            "incomplete": .bool(rules.incomplete),
        ]
        if let error = rules.evaluationError { status["evaluationError"] = .string(error) }
        return .object(status)
    }

    // MARK: Authentication reviews

    /// The audience kube-apiserver's tokens are implicitly for: its service account issuer.
    var implicitTokenAudience: String { "https://kubernetes.default.svc.\(options.clusterDomain)" }

    /// `TokenReviewStatus` for a bearer token. Static tokens are audience-agnostic:
    /// they are valid for the server's implicit audience, so a review naming only
    /// other audiences is unauthenticated. `authenticated` is omitted when false, as upstream.
    func tokenStatus(token: String, audiences: [String]) -> JSONValue {
        let user = accessControl.authenticator?.authenticate(authorization: "Bearer \(token)", clientCertificateDER: nil)
        let implicit = implicitTokenAudience
        guard let user, audiences.isEmpty || audiences.contains(implicit) else {
            return ["user": [:]]
        }
        return ["authenticated": true, "user": Self.userInfoJSON(user), "audiences": [.string(implicit)]]
    }

    /// `authentication.k8s.io/v1` `UserInfo`.
    static func userInfoJSON(_ user: UserInfo) -> JSONValue {
        var info: JSONObject = ["username": .string(user.name)]
        if !user.uid.isEmpty { info["uid"] = .string(user.uid) }
        if !user.groups.isEmpty { info["groups"] = .array(user.groups.map(JSONValue.string)) }
        return .object(info)
    }
}
