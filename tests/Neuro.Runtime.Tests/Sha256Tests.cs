using System.Security.Cryptography;
using System.Text;
using Neuro.Runtime.Tests.Support;

namespace Neuro.Runtime.Tests;

/// <summary>The runtime's SHA-256 gives the FIPS 180-4 example digests, one-shot and incrementally, and agrees with .NET on every length around the block size.</summary>
public sealed class Sha256Tests
{
    private static readonly Lazy<string> Hasher = new(() =>
    {
        string directory = Toolchain.NewTemporaryDirectory();
        string output = Path.Combine(directory, "nsp_sha256_host");
        Toolchain.Compile("gcc", "gcc", [.. Toolchain.StrictFlags, "-O2", .. Toolchain.Includes(),
            Path.Combine(Toolchain.RuntimeDirectory, "src", "nsp_sha256.c"), Path.Combine(Toolchain.RuntimeDirectory, "host", "nsp_sha256_host.c"), "-o", output], directory);
        return output;
    });

    public static TheoryData<string, int, string> FipsVectors => new()
    {
        { "", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
        { "abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
        { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
        { "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", 1,
          "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
        { "a", 1_000_000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
    };

    [Theory]
    [MemberData(nameof(FipsVectors))]
    public void The_published_vectors_hash_to_their_digests(string text, int repeat, string digest)
    {
        var lines = Hash(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(text, repeat))));
        Assert.Equal([digest, digest], lines);
    }

    [Fact]
    public void Every_length_around_the_block_and_padding_boundaries_matches_dotnet()
    {
        var random = new Random(1);
        foreach (int length in Enumerable.Range(0, 130).Concat([191, 192, 193, 1000, 4096]))
        {
            var data = new byte[length];
            random.NextBytes(data);
            string expected = Convert.ToHexStringLower(SHA256.HashData(data));
            Assert.Equal([expected, expected], Hash(data));
        }
    }

    private static string[] Hash(byte[] data)
    {
        string directory = Toolchain.NewTemporaryDirectory();
        try
        {
            File.WriteAllBytes(Path.Combine(directory, "input.bin"), data);
            var result = Toolchain.Run(Hasher.Value, ["input.bin"], directory, TimeSpan.FromSeconds(30));
            Assert.Equal(0, result.ExitCode);
            return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
