/// One row of a forward pass: `token` fed at `position` of the sequence whose cache
/// is `cache`.
public struct BatchRow {
    public var cache: SequenceCache
    public var token: Int
    public var position: Int
    /// True when the row's logits are wanted (a sampling position); prompt positions
    /// before the last need none.
    public var wantsLogits: Bool

    public init(cache: SequenceCache, token: Int, position: Int, wantsLogits: Bool) {
        self.cache = cache
        self.token = token
        self.position = position
        self.wantsLogits = wantsLogits
    }
}
