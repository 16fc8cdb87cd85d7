using Neuro.Core.Errors;

namespace Neuro.Pipeline;

/// <summary>
/// How big each stage of the demo is. <see cref="Full"/> fits the ten-minute budget on a shared 2-core machine;
/// <see cref="Quick"/> is the reduced run CI uses (same stages, fewer samples, generations and epochs).
/// </summary>
/// <param name="Users">Synthetic subjects (the last <paramref name="TestUsers"/> form the test split).</param>
/// <param name="TestUsers">Subjects in the test split.</param>
/// <param name="SampleSeconds">Seconds per synthetic gesture sample.</param>
/// <param name="Repetitions">Times each recording performs each gesture (samples per subject = 11 × this).</param>
/// <param name="Generations">Evolution generations of the training-free search.</param>
/// <param name="Population">Candidates per generation.</param>
/// <param name="ProxySamples">Training samples whose firing at initialisation gives AutoST's energy estimate.</param>
/// <param name="Epochs">Float training epochs of the chosen candidate.</param>
/// <param name="QuantizationAwareEpochs">Quantization-aware fine-tuning epochs after them (int8 weights in the forward pass).</param>
/// <param name="StreamSamples">Test samples streamed to the board (0: the whole test split).</param>
/// <param name="FloatBudget">Wall-clock cap of float training: on a loaded machine training stops there (noted in the summary).</param>
/// <param name="QuantizationAwareBudget">Wall-clock cap of the quantization-aware epochs.</param>
/// <param name="TrainingFlops">The most FLOPs per sample (AutoST's proxy) a candidate may have to be trained: training
/// time grows with them, so the run trains the fittest candidate it can train within its time box.</param>
public sealed record DemoSizes(
    int Users, int TestUsers, double SampleSeconds, int Repetitions, int Generations, int Population, int ProxySamples, int Epochs,
    int QuantizationAwareEpochs, int StreamSamples, TimeSpan FloatBudget, TimeSpan QuantizationAwareBudget, double TrainingFlops)
{
    /// <summary>The default run: 12 subjects, 4 repetitions (396 training, 132 test samples of 1 s), 5 × 12 candidates, 30 + 5 epochs (at most 5 + 1.5 minutes) of a candidate of at most 60 M FLOPs per sample, the whole test split (132 samples) on the board: since the firmware's UART ring holds the link's whole credit, a 1 s sample takes about 0.2 s over the link to QEMU (docs/protocol.md §8.3; with the old 256 B ring, 1.2–8.5 s in retransmissions).</summary>
    public static DemoSizes Full { get; } = new(12, 3, 1.0, 4, 5, 12, 4, 30, 5, 0, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1.5), 60e6);

    /// <summary>The CI run: 2 subjects (11 training, 11 test samples of 0.5 s), 2 × 4 candidates, 3 + 1 epochs (at most 15 + 10 s) of at most 20 M FLOPs, 4 samples on the board.</summary>
    public static DemoSizes Quick { get; } = new(2, 1, 0.5, 1, 2, 4, 2, 3, 1, 4, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10), 20e6);

}

/// <summary>What <see cref="DemoPipeline.RunAsync"/> does and where it writes.</summary>
public sealed record DemoOptions
{
    /// <summary>The board the default demo targets: a Cortex-M4 that QEMU emulates.</summary>
    public const string DefaultBoard = "mps2-an386";

    /// <summary>The finished report folder; it must be absent or empty (a finished demo is never overwritten).</summary>
    public string OutputDirectory { get; init; } = "neuro-demo";

    /// <summary>Board name (boards/&lt;name&gt;) or a board.json path: the search's constraints, the compile's fit check and the firmware.</summary>
    public string Board { get; init; } = DefaultBoard;

    /// <summary>Seeds the data, the search, the initialisation and the shuffles.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Stage sizes.</summary>
    public DemoSizes Sizes { get; init; } = DemoSizes.Full;

    /// <summary>Search space of the training-free search (a shipped name or a file); null: the demo's own 16×16 space.</summary>
    public string? Space { get; init; }

    /// <summary>Run the board on this machine's host build even when the board has an emulator (tests use it to stay fast).</summary>
    public bool ForceHostBoard { get; init; }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(OutputDirectory))
            throw new NeuroException("demo: --out must name a folder");
        if (Sizes.Epochs < 1 || Sizes.QuantizationAwareEpochs < 0 || Sizes.Generations < 1 || Sizes.Population < 2 || Sizes.StreamSamples < 0)
            throw new NeuroException($"demo: stage sizes are out of range ({Sizes})");
    }
}
