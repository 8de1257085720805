// Marks one version-need entry (e.g. GLIBCXX_3.4.32) of an ELF64 little-endian shared library
// as weak, so the dynamic loader accepts a libstdc++ that lacks that version.
// Compiled by MSBuild's RoslynCodeTaskFactory (build/LibTorchSharp.GlibcxxPatch.targets) and,
// with ELF_ONLY defined, by the trainer tests that check the build output.
using System;
using System.IO;
using System.Text;

public static class ElfVersionNeeds
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    public const ushort VerFlgWeak = 0x2;

    /// <summary>Finds the Vernaux flags offset for <paramref name="versionName"/>; -1 if absent.</summary>
    public static long FindFlagsOffset(byte[] elf, string versionName)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("only ELF64 little-endian is supported");

        long shoff = (long)BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != ShtGnuVerneed) continue;

            long offset = (long)BitConverter.ToUInt64(elf, (int)sh + 0x18);
            uint link = BitConverter.ToUInt32(elf, (int)sh + 0x28);
            uint count = BitConverter.ToUInt32(elf, (int)sh + 0x2C); // sh_info: number of Verneed records
            long strtab = (long)BitConverter.ToUInt64(elf, (int)(shoff + link * shentsize) + 0x18);

            long verneed = offset;
            for (uint n = 0; n < count; n++)
            {
                ushort cnt = BitConverter.ToUInt16(elf, (int)verneed + 2);
                long aux = verneed + BitConverter.ToUInt32(elf, (int)verneed + 8);
                for (ushort a = 0; a < cnt; a++)
                {
                    uint name = BitConverter.ToUInt32(elf, (int)aux + 8);
                    if (ReadCString(elf, strtab + name) == versionName) return aux + 4;
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                verneed += BitConverter.ToUInt32(elf, (int)verneed + 12);
            }
        }
        return -1;
    }

    public static bool IsWeak(byte[] elf, string versionName)
    {
        long at = FindFlagsOffset(elf, versionName);
        return at >= 0 && (BitConverter.ToUInt16(elf, (int)at) & VerFlgWeak) != 0;
    }

    private static string ReadCString(byte[] data, long start)
    {
        long end = start;
        while (data[end] != 0) end++;
        return Encoding.ASCII.GetString(data, (int)start, (int)(end - start));
    }
}

#if !ELF_ONLY
public class MarkElfVersionNeedWeak : Microsoft.Build.Utilities.Task
{
    [Microsoft.Build.Framework.Required]
    public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

    [Microsoft.Build.Framework.Required]
    public string VersionName { get; set; } = "";

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            string path = item.ItemSpec;
            byte[] elf = File.ReadAllBytes(path);
            long at = ElfVersionNeeds.FindFlagsOffset(elf, VersionName);
            if (at < 0)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "{0}: no {1} version need, nothing to patch", path, VersionName);
                continue;
            }
            ushort flags = BitConverter.ToUInt16(elf, (int)at);
            if ((flags & ElfVersionNeeds.VerFlgWeak) != 0) continue; // already patched
            BitConverter.GetBytes((ushort)(flags | ElfVersionNeeds.VerFlgWeak)).CopyTo(elf, (int)at);

            // Write a new file and move it over the old one: never modify a hard-linked original.
            var stamp = File.GetLastWriteTimeUtc(path);
            string temp = path + ".patching";
            File.WriteAllBytes(temp, elf);
            File.Delete(path); // netstandard2.0 (the task factory's target) has no Move(overwrite)
            File.Move(temp, path);
            File.SetLastWriteTimeUtc(path, stamp); // keep incremental copies quiet
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, "{0}: marked {1} weak", path, VersionName);
        }
        return !Log.HasLoggedErrors;
    }
}
#endif
