using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

// Sets VER_FLG_WEAK on one version requirement of an ELF64 little-endian shared library, when the
// system's copy of the providing library does not define that version. Layouts from the System V
// gABI and the LSB "Symbol Versioning" chapter (Elf64_Shdr, Elf64_Verneed, Elf64_Vernaux).
public class NeuroMarkElfVersionWeak : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    [Required] public string LibraryPath { get; set; } = "";
    [Required] public string VersionName { get; set; } = "";
    [Required] public string SystemLibraryName { get; set; } = "";
    [Output] public bool Patched { get; set; }

    private static readonly string[] LibraryDirectories =
    {
        "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib",
    };

    public override bool Execute()
    {
        if (SystemProvidesVersion())
            return true;

        byte[] elf = File.ReadAllBytes(LibraryPath);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F'
            || elf[4] != 2 || elf[5] != 1)
        {
            Log.LogError("{0} is not a 64-bit little-endian ELF file", LibraryPath);
            return false;
        }

        ulong sectionTable = BitConverter.ToUInt64(elf, 0x28);
        int sectionSize = BitConverter.ToUInt16(elf, 0x3A);
        int sectionCount = BitConverter.ToUInt16(elf, 0x3C);
        for (int i = 0; i < sectionCount; i++)
        {
            int header = checked((int)sectionTable + i * sectionSize);
            if (BitConverter.ToUInt32(elf, header + 4) != ShtGnuVerneed)
                continue;
            int verneed = checked((int)BitConverter.ToUInt64(elf, header + 0x18));
            uint linkedStrings = BitConverter.ToUInt32(elf, header + 0x28);
            uint needCount = BitConverter.ToUInt32(elf, header + 0x2C);
            int stringsHeader = checked((int)sectionTable + (int)linkedStrings * sectionSize);
            int strings = checked((int)BitConverter.ToUInt64(elf, stringsHeader + 0x18));
            return MarkWeak(elf, verneed, needCount, strings);
        }

        Log.LogError("{0} has no .gnu.version_r section", LibraryPath);
        return false;
    }

    private bool MarkWeak(byte[] elf, int verneed, uint needCount, int strings)
    {
        int need = verneed;
        for (uint n = 0; n < needCount; n++)
        {
            int auxCount = BitConverter.ToUInt16(elf, need + 2);
            int aux = need + (int)BitConverter.ToUInt32(elf, need + 8);
            for (int a = 0; a < auxCount; a++)
            {
                int name = strings + (int)BitConverter.ToUInt32(elf, aux + 8);
                if (ReadCString(elf, name) == VersionName)
                {
                    ushort flags = BitConverter.ToUInt16(elf, aux + 4);
                    if ((flags & VerFlgWeak) == 0)
                    {
                        BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(elf, aux + 4);
                        string temporary = LibraryPath + ".patching";
                        File.WriteAllBytes(temporary, elf);
                        File.Replace(temporary, LibraryPath, null);
                        Patched = true;
                    }
                    return true;
                }
                aux += (int)BitConverter.ToUInt32(elf, aux + 12);
            }
            need += (int)BitConverter.ToUInt32(elf, need + 12);
        }
        return true;
    }

    private bool SystemProvidesVersion()
    {
        byte[] needle = Encoding.ASCII.GetBytes(VersionName + "\0");
        foreach (string directory in LibraryDirectories)
        {
            string candidate = Path.Combine(directory, SystemLibraryName);
            if (File.Exists(candidate))
                return IndexOf(File.ReadAllBytes(candidate), needle) >= 0;
        }
        return false;
    }

    private static string ReadCString(byte[] bytes, int offset)
    {
        int end = Array.IndexOf(bytes, (byte)0, offset);
        return Encoding.ASCII.GetString(bytes, offset, end - offset);
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i <= haystack.Length - needle.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }
}
