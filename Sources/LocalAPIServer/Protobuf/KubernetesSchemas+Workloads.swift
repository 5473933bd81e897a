//! apps/v1 (Deployment) and batch/v1 (Job, CronJob) protobuf messages
//! (k8s.io/api/apps/v1 and k8s.io/api/batch/v1).

extension ProtobufSchemaSet {
    private static let objectMeta = ProtobufValueKind.message("meta/v1.ObjectMeta")
    private static let labelSelector = ProtobufValueKind.message("meta/v1.LabelSelector")
    private static let podTemplateSpec = ProtobufValueKind.message("core/v1.PodTemplateSpec")

    // MARK: apps/v1

    static let appsV1: [ProtobufMessageSchema] = [
        ProtobufMessageSchema("apps/v1.Deployment", [
            .field(1, "metadata", objectMeta),
            .field(2, "spec", .message("apps/v1.DeploymentSpec")),
            .field(3, "status", .message("apps/v1.DeploymentStatus")),
        ]),
        ProtobufMessageSchema("apps/v1.DeploymentSpec", [
            .field(1, "replicas", .int32),
            .field(2, "selector", labelSelector),
            .field(3, "template", podTemplateSpec),
            .field(4, "strategy", .message("apps/v1.DeploymentStrategy")),
            .omitEmpty(5, "minReadySeconds", .int32),
            .field(6, "revisionHistoryLimit", .int32),
            .omitEmpty(7, "paused", .bool),
            .field(9, "progressDeadlineSeconds", .int32),
            .field(10, "podReplacementPolicy", .string),
        ]),
        ProtobufMessageSchema("apps/v1.DeploymentStrategy", [
            .omitEmpty(1, "type", .string),
            .field(2, "rollingUpdate", .message("apps/v1.RollingUpdateDeployment")),
        ]),
        ProtobufMessageSchema("apps/v1.RollingUpdateDeployment", [
            .field(1, "maxUnavailable", .intOrString),
            .field(2, "maxSurge", .intOrString),
        ]),
        ProtobufMessageSchema("apps/v1.DeploymentStatus", [
            .omitEmpty(1, "observedGeneration", .int64),
            .omitEmpty(2, "replicas", .int32),
            .omitEmpty(3, "updatedReplicas", .int32),
            .omitEmpty(7, "readyReplicas", .int32),
            .omitEmpty(4, "availableReplicas", .int32),
            .omitEmpty(5, "unavailableReplicas", .int32),
            .field(9, "terminatingReplicas", .int32),
            .list(6, "conditions", .message("apps/v1.DeploymentCondition")),
            .field(8, "collisionCount", .int32),
        ]),
        ProtobufMessageSchema("apps/v1.DeploymentCondition", [
            .field(1, "type", .string),
            .field(2, "status", .string),
            .field(6, "lastUpdateTime", .time),
            .field(7, "lastTransitionTime", .time),
            .omitEmpty(4, "reason", .string),
            .omitEmpty(5, "message", .string),
        ]),
    ]

    // MARK: batch/v1

    static let batchV1: [ProtobufMessageSchema] = [
        ProtobufMessageSchema("batch/v1.Job", [
            .field(1, "metadata", objectMeta),
            .field(2, "spec", .message("batch/v1.JobSpec")),
            .field(3, "status", .message("batch/v1.JobStatus")),
        ]),
        ProtobufMessageSchema("batch/v1.JobSpec", [
            .field(1, "parallelism", .int32),
            .field(2, "completions", .int32),
            .field(3, "activeDeadlineSeconds", .int64),
            .field(11, "podFailurePolicy", .message("batch/v1.PodFailurePolicy")),
            .field(16, "successPolicy", .message("batch/v1.SuccessPolicy")),
            .field(7, "backoffLimit", .int32),
            .field(12, "backoffLimitPerIndex", .int32),
            .field(13, "maxFailedIndexes", .int32),
            .field(4, "selector", labelSelector),
            .field(5, "manualSelector", .bool),
            .field(6, "template", podTemplateSpec),
            .field(8, "ttlSecondsAfterFinished", .int32),
            .field(9, "completionMode", .string),
            .field(10, "suspend", .bool),
            .field(14, "podReplacementPolicy", .string),
            .field(15, "managedBy", .string),
        ]),
        ProtobufMessageSchema("batch/v1.PodFailurePolicy", [
            .list(1, "rules", .message("batch/v1.PodFailurePolicyRule")),
        ]),
        ProtobufMessageSchema("batch/v1.PodFailurePolicyRule", [
            .field(1, "action", .string),
            .field(2, "onExitCodes", .message("batch/v1.PodFailurePolicyOnExitCodesRequirement")),
            .list(3, "onPodConditions", .message("batch/v1.PodFailurePolicyOnPodConditionsPattern")),
        ]),
        ProtobufMessageSchema("batch/v1.PodFailurePolicyOnExitCodesRequirement", [
            .field(1, "containerName", .string),
            .field(2, "operator", .string),
            .list(3, "values", .int32),
        ]),
        ProtobufMessageSchema("batch/v1.PodFailurePolicyOnPodConditionsPattern", [
            .field(1, "type", .string),
            .field(2, "status", .string),
        ]),
        ProtobufMessageSchema("batch/v1.SuccessPolicy", [
            .list(1, "rules", .message("batch/v1.SuccessPolicyRule")),
        ]),
        ProtobufMessageSchema("batch/v1.SuccessPolicyRule", [
            .field(1, "succeededIndexes", .string),
            .field(2, "succeededCount", .int32),
        ]),
        ProtobufMessageSchema("batch/v1.JobStatus", [
            .list(1, "conditions", .message("batch/v1.JobCondition")),
            .field(2, "startTime", .time),
            .field(3, "completionTime", .time),
            .omitEmpty(4, "active", .int32),
            .omitEmpty(5, "succeeded", .int32),
            .omitEmpty(6, "failed", .int32),
            .field(11, "terminating", .int32),
            .omitEmpty(7, "completedIndexes", .string),
            .field(10, "failedIndexes", .string),
            .field(8, "uncountedTerminatedPods", .message("batch/v1.UncountedTerminatedPods")),
            .field(9, "ready", .int32),
        ]),
        ProtobufMessageSchema("batch/v1.JobCondition", [
            .field(1, "type", .string),
            .field(2, "status", .string),
            .field(3, "lastProbeTime", .time),
            .field(4, "lastTransitionTime", .time),
            .omitEmpty(5, "reason", .string),
            .omitEmpty(6, "message", .string),
        ]),
        ProtobufMessageSchema("batch/v1.UncountedTerminatedPods", [
            .list(1, "succeeded", .string),
            .list(2, "failed", .string),
        ]),
        ProtobufMessageSchema("batch/v1.CronJob", [
            .field(1, "metadata", objectMeta),
            .field(2, "spec", .message("batch/v1.CronJobSpec")),
            .field(3, "status", .message("batch/v1.CronJobStatus")),
        ]),
        ProtobufMessageSchema("batch/v1.CronJobSpec", [
            .field(1, "schedule", .string),
            .field(8, "timeZone", .string),
            .field(2, "startingDeadlineSeconds", .int64),
            .omitEmpty(3, "concurrencyPolicy", .string),
            .field(4, "suspend", .bool),
            .field(5, "jobTemplate", .message("batch/v1.JobTemplateSpec")),
            .field(6, "successfulJobsHistoryLimit", .int32),
            .field(7, "failedJobsHistoryLimit", .int32),
        ]),
        ProtobufMessageSchema("batch/v1.JobTemplateSpec", [
            .field(1, "metadata", objectMeta),
            .field(2, "spec", .message("batch/v1.JobSpec")),
        ]),
        ProtobufMessageSchema("batch/v1.CronJobStatus", [
            .list(1, "active", .message("core/v1.ObjectReference")),
            .field(4, "lastScheduleTime", .time),
            .field(5, "lastSuccessfulTime", .time),
        ]),
    ]
}
