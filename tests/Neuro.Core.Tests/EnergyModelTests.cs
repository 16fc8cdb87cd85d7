using Neuro.Core.Architecture;
using Neuro.Core.Energy;
using Neuro.Core.Errors;

namespace Neuro.Core.Tests;

public class EnergyModelTests
{
    /// <summary>A tiny static-image model: 3×8×8 input, C = 16, one block of 2 heads, MLP ratio 2, T = 2, no max-pools.</summary>
    private static ArchitectureConfig Tiny() => ArchitectureConfig.Uniform(
        "tiny", new InputSpec(3, 8, 8), timeSteps: 2, embedDim: 16, depth: 1, heads: 2, mlpRatio: 2, classes: 4,
        maxPoolAfter: [false, false, false, false]);

    private static FiringRates UniformRates(LayerTable table, double rate) =>
        new(table.Layers.Where(layer => layer.Kind is LayerKind.Lif or LayerKind.MaxPool).ToDictionary(layer => layer.Name, _ => rate));

    [Fact]
    public void Worked_example_matches_the_formula_computed_by_hand()
    {
        var table = LayerTable.From(Tiny());
        var energy = EnergyModel.Estimate(table, UniformRates(table, 0.25));

        // MAC layers: first conv 3·2·9·64 = 3456 (static image: once), head 16·4 = 64.
        const double macs = 3456 + 64;
        // AC layers, fr = 0.25 from LIFs, T = 2. N = 64 tokens, C = 16, hidden 32.
        double spsSpikes = 2 * 4 * 9 * 64 + 4 * 8 * 9 * 64 + 8 * 16 * 9 * 64 + 16 * 16 * 9 * 64; // conv1..3 + RPE FLOPs
        double sops = 0.25 * 2 * spsSpikes;
        // Block inputs are the residual sum: 0.25 (pool-free SPS output) + 0.25 (RPE LIF) = 0.5.
        sops += 0.5 * 2 * (3 * 64 * 16 * 16);          // q, k, v linears
        sops += 0.25 * 2 * (2 * 64 * 64 * 16);          // QKᵀ and AV, driven by Q and V spikes
        sops += 0.25 * 2 * (64 * 16 * 16);              // projection
        sops += 0.75 * 2 * (64 * 16 * 32);              // fc1 on x + attn (0.5 + 0.25)
        sops += 0.25 * 2 * (64 * 32 * 16);              // fc2
        sops += 1.0 * 2 * (64 * 16);                    // mean over tokens of the final sum (0.75 + 0.25)

        Assert.Equal(macs, energy.MacOperations);
        Assert.Equal(sops, energy.SynapticOperations, 6);
        Assert.Equal(4.6 * macs + 0.9 * sops, energy.TotalPicojoules, 6);
    }

    [Fact]
    public void Synaptic_operations_are_rate_times_steps_times_flops()
    {
        Assert.Equal(0.1 * 16 * 1000, EnergyModel.SynapticOperations(0.1, 16, 1000), 9);
    }

    [Fact]
    public void Binary_event_input_makes_the_first_conv_an_accumulate_layer()
    {
        var config = Tiny() with { Input = new InputSpec(2, 8, 8, 1, InputEncoding.EventBinary) };
        var table = LayerTable.From(config);
        var rates = UniformRates(table, 0.25).Values.ToDictionary();
        rates[LayerTable.InputName] = 0.05;

        var energy = EnergyModel.Estimate(table, new FiringRates(rates));

        var first = energy.Layers.Single(line => line.Layer == "sps.conv0");
        Assert.Equal(OperationKind.Ac, first.Operation);
        Assert.Equal(0.05 * 2 * (2 * 2 * 9 * 64), first.Operations, 9);
    }

    [Fact]
    public void A_missing_rate_is_named_with_the_layer_it_drives()
    {
        var table = LayerTable.From(Tiny());
        var error = Assert.Throws<NeuroException>(() => EnergyModel.Estimate(table, new FiringRates(new Dictionary<string, double>())));
        Assert.Contains("sps.lif0", error.Message);
        Assert.Contains("sps.conv1", error.Message);
    }

    [Fact]
    public void Negative_rates_are_refused()
    {
        Assert.Throws<NeuroException>(() => new FiringRates(new Dictionary<string, double> { ["sps.lif0"] = -0.1 }));
    }

    [Fact]
    public void Paper_constants_come_from_the_45nm_table_with_sources()
    {
        Assert.Equal(4.6, CostTable.Horowitz45nm[CostTable.Keys.Mac]);
        Assert.Equal(0.9, CostTable.Horowitz45nm[CostTable.Keys.Ac]);
        Assert.All(CostTable.Horowitz45nm.Entries, entry => Assert.False(string.IsNullOrWhiteSpace(entry.Source)));
    }

    [Theory]
    [InlineData(8 * 1024, 10)]
    [InlineData(32 * 1024, 20)]
    [InlineData(1024 * 1024, 100)]
    [InlineData(16 * 1024, 15)]
    [InlineData(1024, 10)]
    public void Sram_access_energy_interpolates_between_the_cited_sizes(long bytes, double picojoules)
    {
        Assert.Equal(picojoules, CostTable.Horowitz45nm.SramAccess64(bytes), 9);
    }
}
