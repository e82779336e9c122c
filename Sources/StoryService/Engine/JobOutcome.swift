import LlamaCore

/// How a generation ended, as its requester sees it.
enum JobOutcome {
    /// The model stopped by itself (BOS) or reached `max_tokens` / the context.
    case completed(GenerationResult)
    /// Cancelled because its client left.
    case cancelled
    /// Not run, or cut short, for a reason the client should hear (shutdown, a fault).
    case failed(APIError)
}
