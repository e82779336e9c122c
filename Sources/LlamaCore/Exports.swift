// LlamaCore's public API speaks in the kernels' types (a `Transformer`'s
// `KernelChoice`, `TransformerWeights`' `WeightMatrix`), so `import LlamaCore`
// brings them along: the CLI, the service and the Duo's entry point need not
// know the engine is two modules.
@_exported import LlamaKernels
