namespace Neuro.Data.Gestures;

/// <summary>The two halves of DVS128 Gesture: users 1–23 train, users 24–29 test.</summary>
public enum DvsGestureSplit
{
    /// <summary>The recordings listed in <c>trials_to_train.txt</c>.</summary>
    Train,

    /// <summary>The recordings listed in <c>trials_to_test.txt</c>.</summary>
    Test,
}
