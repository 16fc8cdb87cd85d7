using System.Text.Json;
using System.Text.Json.Serialization;
using Neuro.Core.Errors;
using Neuro.Search.Candidates;
using Neuro.Search.Constraints;
using Neuro.Search.Evaluation;

namespace Neuro.Search.Evolution;

/// <summary>One candidate a search looked at: evaluated (feasible) or rejected by the board constraints.</summary>
/// <param name="Candidate">Its genes.</param>
/// <param name="Generation">The generation that proposed it.</param>
/// <param name="Footprint">Board figures, when a board is targeted.</param>
/// <param name="Violations">Why it does not fit the board; empty when feasible.</param>
/// <param name="Evaluation">The evaluation; null for an infeasible candidate (never evaluated).</param>
public sealed record CandidateRecord(Candidate Candidate, int Generation, Footprint? Footprint, IReadOnlyList<string> Violations,
    CandidateEvaluation? Evaluation)
{
    [JsonIgnore] public string Key => Candidate.Key;

    [JsonIgnore] public bool Feasible => Violations.Count == 0;
}

/// <summary>
/// Everything a search needs to continue: its settings, the generations completed, every candidate they looked at in
/// order, and the evaluation cache (which may hold evaluations of a generation interrupted half-way; they are reused on
/// resume, so nothing is evaluated twice). Saved after every generation and on cancellation.
/// </summary>
public sealed record SearchState(
    int Version,
    string Space,
    string Evaluator,
    string? Constraints,
    SearchOptions Options,
    int CompletedGenerations,
    IReadOnlyList<CandidateRecord> Records,
    IReadOnlyDictionary<string, CandidateEvaluation> Cache)
{
    public const int CurrentVersion = 1;

    public const string FileName = "state.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Writes through a temporary file and a move, so a crash leaves the old state or the new one whole.</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName), temporary = path + $".tmp-{Environment.ProcessId}";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        File.Move(temporary, path, overwrite: true);
    }

    /// <exception cref="NeuroException">The state is missing, unreadable or of another version.</exception>
    public static SearchState Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
            throw new NeuroException($"{directory} holds no search state ({FileName}); start a search there without --resume");
        SearchState? state;
        try
        {
            state = JsonSerializer.Deserialize<SearchState>(File.ReadAllText(path), Json);
        }
        catch (JsonException error)
        {
            throw new NeuroException($"{path}: not a search state ({error.Path}: {error.Message.Split(". ")[0]})");
        }
        if (state is null || state.Version != CurrentVersion)
            throw new NeuroException($"{path}: search state version {state?.Version} is not {CurrentVersion}");
        return state;
    }

    internal static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);
}
