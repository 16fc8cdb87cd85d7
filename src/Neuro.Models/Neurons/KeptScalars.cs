using TorchSharp;

namespace Neuro.Models.Neurons;

/// <summary>
/// Scalars that live as long as the process. TorchSharp frees a <see cref="Scalar"/> in its finalizer and does not keep
/// a temporary one (the implicit 1 of <c>a + b</c>, the 0.5 of <c>t * 0.5</c>) alive across the native call, so a
/// garbage collection during the call can free the value while libtorch reads it; training then dies after minutes
/// with a libtorch "toFloat" check failure. The model's hot paths therefore use these, or scalars they dispose
/// explicitly after the call.
/// </summary>
internal static class KeptScalars
{
    public static readonly Scalar Zero = 0.ToScalar();

    public static readonly Scalar One = 1.ToScalar();

    public static readonly Scalar MinusOne = (-1).ToScalar();
}
