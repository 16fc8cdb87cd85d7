using Neuro.Core.Errors;

namespace Neuro.FirmwareGen.Tests;

public class FootprintTests
{
    [Fact]
    public void Berkeley_size_output_gives_text_data_and_bss()
    {
        const string output = "   text\t   data\t    bss\t    dec\t    hex\tfilename\n  12345\t    120\t  40960\t  53425\t   d0b1\tfirmware.elf\n";
        var footprint = Footprint.Parse(output);
        Assert.Equal(new Footprint(12345, 120, 40960), footprint);
        Assert.Equal(12465, footprint.FlashBytes);
        Assert.Equal(41080, footprint.SramBytes);
    }

    [Fact]
    public void Size_output_without_a_table_is_refused_with_the_text()
    {
        var error = Assert.Throws<NeuroException>(() => Footprint.Parse("arm-none-eabi-size: 'x.elf': No such file"));
        Assert.Contains("No such file", error.Message);
        Assert.Throws<NeuroException>(() => Footprint.Parse("text data bss dec hex filename\nabc 1 2 3 4 x\n"));
    }
}
