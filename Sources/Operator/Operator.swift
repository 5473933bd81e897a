//! Operator: the operator process — its configuration, HTTP endpoints
//! (metrics, health), log formats and the assembly of the runtime's services.
