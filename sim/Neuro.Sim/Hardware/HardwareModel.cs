using System.Text.Json;
using System.Text.Json.Serialization;
using Neuro.Core.Errors;
using Neuro.Program;

namespace Neuro.Sim.Hardware;

/// <summary>What an SRAM bank stores.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BankRole>))]
public enum BankRole
{
    /// <summary>Constant tensors: weights, biases, thresholds.</summary>
    Weights,

    /// <summary>Step buffers: the input frame, spikes, accumulators, tokens, attention products.</summary>
    Activations,

    /// <summary>Persistent buffers: LIF membranes and readout sums.</summary>
    State,
}

/// <summary>One SRAM bank.</summary>
/// <param name="Name">Shown in reports.</param>
/// <param name="Role">What it holds; each role has exactly one bank.</param>
/// <param name="Bytes">Capacity; the program's data of that role must fit.</param>
/// <param name="WidthBits">Bits per port per cycle (a power of two, 8..1024).</param>
/// <param name="Ports">Independent accesses per cycle.</param>
public sealed record SramBank(string Name, BankRole Role, long Bytes, int WidthBits, int Ports)
{
    /// <summary>Bytes one port moves per cycle.</summary>
    [JsonIgnore]
    public int BytesPerPortCycle => WidthBits / 8;
}

/// <summary>
/// A declared event-driven accelerator (sim/hardware/*.json): the resources the cycle model of docs/simulator.md charges
/// events against. Load with <see cref="Load"/> or <see cref="Parse"/>, which validate every field.
/// </summary>
public sealed record HardwareModel
{
    public required string Name { get; init; }

    public string Description { get; init; } = "";

    /// <summary>Clock in Hz: turns cycles into latency.</summary>
    public required long ClockHz { get; init; }

    /// <summary>Accumulate lanes: accumulator updates per cycle of an event-driven op.</summary>
    public required int AcLanes { get; init; }

    /// <summary>Multiply-accumulate units: MACs per cycle of a dense op and of the readout's logits.</summary>
    public required int MacUnits { get; init; }

    /// <summary>LIF neurons updated per cycle.</summary>
    public required int NeuronUnits { get; init; }

    /// <summary>Events the queue between the input scanner and the lanes holds.</summary>
    public required int EventQueueDepth { get; init; }

    /// <summary>Bytes of one queue entry (element index and value).</summary>
    public int EventEntryBytes { get; init; } = 4;

    /// <summary>Cycles from the last event leaving the queue to its last result written back.</summary>
    public required int PipelineDepth { get; init; }

    public required IReadOnlyList<SramBank> Banks { get; init; }

    /// <summary>The bank of <paramref name="role"/>.</summary>
    public SramBank Bank(BankRole role) => Banks.First(bank => bank.Role == role);

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Reads and validates a hardware file.</summary>
    /// <exception cref="NeuroException">The file is missing or not JSON.</exception>
    /// <exception cref="ConfigValidationException">A field is out of range; every such field is named.</exception>
    public static HardwareModel Load(string path)
    {
        if (!File.Exists(path))
            throw new NeuroException($"hardware file {path} does not exist");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>The name of the model <c>neuro sim</c> uses without <c>--hardware</c>.</summary>
    public const string DefaultName = "neuro-ac64";

    /// <summary>A model shipped in sim/hardware/ (embedded in this assembly), by file name without <c>.json</c>.</summary>
    /// <exception cref="NeuroException">No such model ships.</exception>
    public static HardwareModel Shipped(string name = DefaultName)
    {
        using var stream = typeof(HardwareModel).Assembly.GetManifestResourceStream($"hardware/{name}.json")
            ?? throw new NeuroException($"no shipped hardware model '{name}'; known: {string.Join(", ", ShippedNames)}");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), $"sim/hardware/{name}.json");
    }

    /// <summary>Names of the shipped models.</summary>
    public static IEnumerable<string> ShippedNames => typeof(HardwareModel).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith("hardware/", StringComparison.Ordinal)).Select(n => Path.GetFileNameWithoutExtension(n));

    /// <summary>Parses and validates hardware JSON; <paramref name="source"/> names it in errors.</summary>
    public static HardwareModel Parse(string json, string source)
    {
        HardwareModel? model;
        try
        {
            model = JsonSerializer.Deserialize<HardwareModel>(json, JsonOptions);
        }
        catch (JsonException error)
        {
            throw new NeuroException($"{source}: {error.Path}: {error.Message.Split(". Path")[0]}");
        }
        if (model is null)
            throw new NeuroException($"{source}: expected a hardware object, got null");
        model.Validate(source);
        return model;
    }

    /// <summary>Checks every field, listing all faults by their JSON path.</summary>
    public void Validate(string source)
    {
        var errors = new List<ValidationError>();
        void Positive(string field, long value)
        {
            if (value < 1)
                errors.Add(new ValidationError(field, $"must be ≥ 1, got {value}"));
        }
        if (string.IsNullOrWhiteSpace(Name))
            errors.Add(new ValidationError("name", "must not be empty"));
        Positive("clockHz", ClockHz);
        Positive("acLanes", AcLanes);
        Positive("macUnits", MacUnits);
        Positive("neuronUnits", NeuronUnits);
        Positive("eventQueueDepth", EventQueueDepth);
        Positive("eventEntryBytes", EventEntryBytes);
        if (PipelineDepth < 0)
            errors.Add(new ValidationError("pipelineDepth", $"must be ≥ 0, got {PipelineDepth}"));
        if (Banks is null)
            errors.Add(new ValidationError("banks", "is required"));
        else
        {
            for (int i = 0; i < Banks.Count; i++)
            {
                var bank = Banks[i];
                string at = $"banks[{i}]";
                if (string.IsNullOrWhiteSpace(bank.Name))
                    errors.Add(new ValidationError($"{at}.name", "must not be empty"));
                Positive($"{at}.bytes", bank.Bytes);
                Positive($"{at}.ports", bank.Ports);
                if (bank.WidthBits < 8 || bank.WidthBits > 1024 || (bank.WidthBits & (bank.WidthBits - 1)) != 0)
                    errors.Add(new ValidationError($"{at}.widthBits", $"must be a power of two from 8 to 1024, got {bank.WidthBits}"));
            }
            foreach (var role in Enum.GetValues<BankRole>())
            {
                int count = Banks.Count(bank => bank.Role == role);
                if (count != 1)
                    errors.Add(new ValidationError("banks", $"need exactly one bank with role {role}, found {count}"));
            }
            var activations = Banks.FirstOrDefault(bank => bank.Role == BankRole.Activations);
            if (activations is { Ports: < 2 })
                errors.Add(new ValidationError($"banks[{IndexOf(activations)}].ports",
                    $"the activations bank needs ≥ 2 ports (one scans events, the others update accumulators), got {activations.Ports}"));
        }
        if (errors.Count > 0)
            throw new ConfigValidationException(source, errors);
    }

    private int IndexOf(SramBank bank) => Banks.ToList().IndexOf(bank);

    /// <summary>Bytes of each role the program occupies (all tensors; all step and input buffers at once; all persistent buffers).</summary>
    public static IReadOnlyDictionary<BankRole, long> Footprint(SpikeProgram program) => new Dictionary<BankRole, long>
    {
        [BankRole.Weights] = program.Tensors.Sum(tensor => (long)tensor.Data.Length),
        [BankRole.Activations] = program.Buffers.Where(b => b.Kind != BufferKind.Persistent).Sum(b => b.ByteLength),
        [BankRole.State] = program.Buffers.Where(b => b.Kind == BufferKind.Persistent).Sum(b => b.ByteLength),
    };

    /// <summary>Refuses a program whose data does not fit a bank, with the numbers (nothing silently truncates).</summary>
    /// <exception cref="NeuroException">Some role's bytes exceed its bank.</exception>
    public void CheckFits(SpikeProgram program)
    {
        var faults = Footprint(program)
            .Select(pair => (Bank: Bank(pair.Key), Need: pair.Value))
            .Where(x => x.Need > x.Bank.Bytes)
            .Select(x => $"{x.Bank.Role} need {x.Need} bytes but bank '{x.Bank.Name}' holds {x.Bank.Bytes}")
            .ToList();
        if (faults.Count > 0)
            throw new NeuroException($"program '{program.Name}' does not fit hardware '{Name}': {string.Join("; ", faults)}");
    }
}
