//! KubeRuntime: the controller runtime the reconcilers stand on — informers
//! and their caches, the controller loop over the persistent work queue,
//! leader election, the Event recorder and the runtime's metrics.
