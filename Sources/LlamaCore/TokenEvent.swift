/// One token leaving the model, as run.c prints it.
public struct TokenEvent {
    /// The token now part of the sequence.
    public var token: Int
    /// The token before it (decoding depends on it).
    public var previous: Int
    /// Its position in the sequence.
    public var position: Int
    /// True while the token is a prompt token being echoed, false once generated.
    public var isPrompt: Bool
}
