using Neuro.Core.Errors;
using Neuro.Program;
using Neuro.Program.Tests.Support;
using Neuro.Sim.Execution;
using Neuro.Sim.Hardware;
using Neuro.Sim.Tests.Support;

namespace Neuro.Sim.Tests;

public class CycleModelTests
{
    internal static HardwareModel Small(int lanes = 4, int depth = 2, int scanBits = 16, int activationPorts = 2, int weightBits = 32) => new()
    {
        Name = "tiny",
        ClockHz = 1_000_000,
        AcLanes = lanes,
        MacUnits = 2,
        NeuronUnits = 3,
        EventQueueDepth = depth,
        PipelineDepth = 2,
        Banks =
        [
            new SramBank("w", BankRole.Weights, 1 << 20, weightBits, 1),
            new SramBank("a", BankRole.Activations, 1 << 20, scanBits, activationPorts),
            new SramBank("s", BankRole.State, 1 << 20, 64, 1),
        ],
    };

    public static TheoryData<int, int, int, int> Configurations => new()
    {
        { 4, 1, 8, 2 }, { 4, 2, 16, 2 }, { 1, 3, 8, 3 }, { 16, 8, 64, 2 }, { 2, 1, 32, 4 },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void The_fast_and_the_stepped_cycle_models_agree_on_every_op_and_step(int lanes, int depth, int scanBits, int ports)
    {
        var hardware = Small(lanes, depth, scanBits, ports);
        for (ulong seed = 0; seed < 25; seed++)
        {
            var verified = ProgramVerifier.Verify(RandomProgramGenerator.Generate(seed));
            var engine = new SimulationEngine(verified);
            var model = new CycleModel(verified, hardware);
            var sample = RandomProgramGenerator.Sample(verified.Program, seed);
            var fast = model.NewCounter(CycleMode.Fast);
            var stepped = model.NewCounter(CycleMode.Stepped);
            engine.Run(sample, fast);
            engine.Run(sample, stepped);
            for (int i = 0; i < fast.Cycles.Length; i++)
                Assert.True(fast.Cycles[i] == stepped.Cycles[i],
                    $"seed {seed}: op {verified.Program.Ops[i / verified.Program.Input.TimeSteps].Name} step {i % verified.Program.Input.TimeSteps}: fast {fast.Cycles[i]} stepped {stepped.Cycles[i]}");
        }
    }

    [Fact]
    public void The_models_agree_on_the_wide_program_where_the_queue_fills_and_the_scanner_stalls()
    {
        var verified = WideProgram.Build(2, linearAttention: true, counts: true);
        var engine = new SimulationEngine(verified);
        var model = new CycleModel(verified, Small(lanes: 8, depth: 3, scanBits: 32));
        foreach (int density in new[] { 5, 60 })
        {
            var sample = WideProgram.Sample(verified.Program, 2, density);
            var fast = model.NewCounter(CycleMode.Fast);
            var stepped = model.NewCounter(CycleMode.Stepped);
            engine.Run(sample, fast);
            engine.Run(sample, stepped);
            Assert.Equal(stepped.Cycles, fast.Cycles);
        }
    }

    [Fact]
    public void A_linear_layer_costs_what_the_pipeline_rules_give_by_hand()
    {
        // 1 token of 4 inputs → 8 outputs. Events at elements 0 and 3; scan 2 bytes per cycle (words {0,1} and {2,3}).
        // Service = max(⌈8/4⌉ lanes, ⌈8·1/4⌉ weight bytes, ⌈64/2⌉ accumulator bytes on one spare 16-bit port) = 32.
        // Event 0: pushed in cycle 0, starts 1, frees 33. Event 1 (word 1): pushed in cycle 1, starts 33, frees 65.
        // The scanner is done after cycle 1; the op takes 65 cycles plus the pipeline depth 2 = 67.
        var b = new ProgramBuilder("hand", new InputSpec(4, 1, 1, 1, FrameEncoding.Binary, SplitMode.Number, 1, 1, 1));
        b.Linear("fc", b.ToTokens("t", b.Input), 8, new sbyte[32]);
        var verified = b.BuildVerified();
        var model = new CycleModel(verified, Small(lanes: 4, depth: 2, scanBits: 16, activationPorts: 2));
        var counter = model.NewCounter();
        new SimulationEngine(verified).Run([1, 0, 0, 1], counter);
        int fc = verified.Program.Ops.ToList().FindIndex(op => op.Name == "fc");
        Assert.Equal(67, counter.CyclesOf(fc, 0));
    }

    [Fact]
    public void A_hardware_file_with_bad_fields_is_refused_naming_each_field()
    {
        string json = """
            { "name": "bad", "clockHz": 0, "acLanes": 4, "macUnits": 1, "neuronUnits": 1, "eventQueueDepth": 0, "pipelineDepth": 1,
              "banks": [ { "name": "w", "role": "Weights", "bytes": 100, "widthBits": 12, "ports": 1 },
                         { "name": "a", "role": "Activations", "bytes": 100, "widthBits": 64, "ports": 1 } ] }
            """;
        var error = Assert.Throws<Neuro.Core.Errors.ConfigValidationException>(() => HardwareModel.Parse(json, "bad.json"));
        Assert.Contains("clockHz", error.Message);
        Assert.Contains("eventQueueDepth", error.Message);
        Assert.Contains("banks[0].widthBits", error.Message);
        Assert.Contains("banks[1].ports", error.Message);
        Assert.Contains("role State", error.Message);
    }

    [Fact]
    public void An_unknown_hardware_field_is_refused_with_its_path()
    {
        var error = Assert.Throws<NeuroException>(() => HardwareModel.Parse("""{ "name": "x", "lanes": 3 }""", "x.json"));
        Assert.Contains("x.json", error.Message);
    }

    [Fact]
    public void A_program_larger_than_a_bank_is_refused_with_the_numbers()
    {
        var verified = WideProgram.Build(0, false, true);
        var hardware = Small() with { Banks = [new SramBank("w", BankRole.Weights, 100, 32, 1), .. Small().Banks.Skip(1)] };
        var error = Assert.Throws<NeuroException>(() => hardware.CheckFits(verified.Program));
        Assert.Contains("bank 'w' holds 100", error.Message);
    }

    [Fact]
    public void The_shipped_hardware_files_load()
    {
        foreach (string file in Directory.GetFiles(Path.Combine(RepoRoot(), "sim", "hardware"), "*.json"))
            Assert.Equal(HardwareModel.Load(file), HardwareModel.Shipped(Path.GetFileNameWithoutExtension(file)), HardwareComparer.Instance);
        Assert.Equal(HardwareModel.DefaultName, HardwareModel.Shipped().Name);
    }

    private sealed class HardwareComparer : IEqualityComparer<HardwareModel>
    {
        public static readonly HardwareComparer Instance = new();

        public bool Equals(HardwareModel? x, HardwareModel? y) =>
            x is not null && y is not null && x.Name == y.Name && x.AcLanes == y.AcLanes && x.Banks.SequenceEqual(y.Banks);

        public int GetHashCode(HardwareModel obj) => obj.Name.GetHashCode();
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Neuro.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Neuro.sln not found above the test binaries");
    }
}
