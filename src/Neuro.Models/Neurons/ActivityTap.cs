using static TorchSharp.torch;

namespace Neuro.Models.Neurons;

/// <summary>
/// A model-wide switch that spiking layers report their outputs through. It is off (no cost but a null check) until
/// a <see cref="ActivityRecorder"/> is attached, which happens only during evaluation.
/// </summary>
public sealed class ActivityTap
{
    /// <summary>The recorder in use, or null when nothing is recorded.</summary>
    public ActivityRecorder? Recorder { get; set; }

    /// <summary>Passes <paramref name="output"/> through, adding it to the recorder's tally for <paramref name="layer"/> if one is attached.</summary>
    public Tensor Record(string layer, Tensor output)
    {
        Recorder?.Add(layer, output);
        return output;
    }

    /// <summary>Like <see cref="Record"/> for an output whose every element is 0 or 1 (spikes).</summary>
    public Tensor RecordSpikes(string layer, Tensor spikes)
    {
        Recorder?.AddSpikes(layer, spikes);
        return spikes;
    }
}
