using Neuro.Compiler;
using Neuro.Core.Architecture;
using Neuro.Core.Boards;
using Neuro.Models.Training;
using Neuro.Program;

namespace Neuro.Search.InTheLoop;

/// <summary>A candidate compiled for a board: the verified program, its file bytes and its memory plan against the board.</summary>
public sealed record CandidateProgram(VerifiedProgram Program, byte[] File, MemoryPlan Plan)
{
    /// <summary>
    /// Builds the candidate's model, compiles it with <see cref="SpikformerCompiler"/> and checks the plan fits
    /// <paramref name="board"/>.
    /// </summary>
    /// <exception cref="Neuro.Core.Errors.NeuroException">The program does not fit the board (with the numbers).</exception>
    public static CandidateProgram Compile(ArchitectureConfig config, ICandidateModels models, BoardDescriptor board)
    {
        using var model = models.Create(config);
        var compiled = SpikformerCompiler.Compile(model, programName: config.Name);
        byte[] file = SpikeProgramFile.ToBytes(compiled.Program.Program);
        var plan = MemoryPlan.Of(compiled.Program, file.Length);
        plan.EnsureFits(board);
        return new CandidateProgram(compiled.Program, file, plan);
    }
}

/// <summary>
/// The first <c>count</c> samples of a split at evenly spaced indices (<see cref="Evaluation.SampleSubset"/>), turned
/// into the u8 samples a program takes (<see cref="FramedProgramSamples.Encode"/>) with their labels. Framed once per
/// (T, downsample).
/// </summary>
public sealed class ProgramSampleSet(Func<ModelFraming, IFramedSamples> samples, int count)
{
    private readonly Dictionary<ModelFraming, (IReadOnlyList<byte[]> Samples, IReadOnlyList<int> Labels)> _framed = [];

    public int Count => count;

    public (IReadOnlyList<byte[]> Samples, IReadOnlyList<int> Labels) For(ArchitectureConfig config, Neuro.Program.InputSpec input)
    {
        var framing = ModelFraming.For(config);
        if (_framed.TryGetValue(framing, out var cached))
            return cached;
        var subset = new Evaluation.SampleSubset(samples(framing), count);
        var bytes = new List<byte[]>();
        var labels = new List<int>();
        for (int i = 0; i < subset.Count; i++)
        {
            bytes.Add(FramedProgramSamples.Encode(subset, i, input));
            labels.Add(subset.Label(i));
        }
        if (bytes.Count == 0)
            throw new Core.Errors.NeuroException("the validation split holds no samples to run candidates on");
        return _framed[framing] = (bytes, labels);
    }
}
