using System.CommandLine;
using System.Globalization;
using Neuro.Cli.Infrastructure;
using Neuro.Core.Boards;
using Neuro.Program;
using Spectre.Console;

namespace Neuro.Cli.Commands;

/// <summary><c>neuro program</c>: work with compiled spike programs (<c>.nsp</c>).</summary>
public static class ProgramCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("program", "Work with compiled spike programs (.nsp)");
        command.Subcommands.Add(CreateInspect(context));
        return command;
    }

    private static Command CreateInspect(CliContext context)
    {
        var file = new Argument<FileInfo>("program") { Description = "A spike program file (.nsp)" };
        var board = new Option<string?>("--board") { Description = "Also check the program against a board's flash and SRAM (name or board.json path)" };
        var json = JsonOutput.CreateOption();
        var command = new Command("inspect", "Verify a spike program and show its ops, tensors, buffers, memory plan and hash") { file, board, json };
        VerbAction.Set(command, context, (parseResult, _) =>
        {
            var path = parseResult.GetValue(file)!.FullName;
            byte[] bytes = File.ReadAllBytes(path);
            var verified = ProgramVerifier.Verify(SpikeProgramFile.Read(bytes, path));
            var summary = ProgramSummary.Of(verified, SpikeProgramFile.VersionOf(bytes), SpikeProgramFile.HashOf(bytes), bytes.Length);
            var fit = parseResult.GetValue(board) is { } boardName ? summary.Memory.Against(BoardCatalog.Load(boardName)) : null;
            return JsonOutput.Report(context, parseResult.GetValue(json), new ProgramInspectReport(summary, fit),
                (console, report) => Render(console, report.Program, report.Fit));
        });
        return command;
    }

    private static void Render(IAnsiConsole console, ProgramSummary summary, BoardFit? fit)
    {
        var input = summary.Input;
        console.MarkupLine(
            $"[bold]{Markup.Escape(summary.Name)}[/]  format v{summary.FormatVersion}  sha256 {summary.Hash}");
        console.MarkupLine(
            $"input {input.Channels}×{input.Height}×{input.Width} u8 ({input.Encoding.ToString().ToLowerInvariant()}, "
            + $"split by {input.Split.ToString().ToLowerInvariant()}, sensor {input.SensorWidth}×{input.SensorHeight} ÷{input.Downsample})  T={input.TimeSteps}");

        var ops = new Table().Border(TableBorder.Simple).AddColumns("#", "op", "kind", "inputs", "outputs", "tensors", "attributes");
        foreach (var op in summary.Ops)
        {
            ops.AddRow(op.Index.ToString(CultureInfo.InvariantCulture), Markup.Escape(op.Name), op.Kind.ToString(),
                Markup.Escape(string.Join(", ", op.Inputs)), Markup.Escape(string.Join(", ", op.Outputs)),
                Markup.Escape(string.Join(", ", op.Tensors)), string.Join(" ", op.Attributes.Select(pair => $"{pair.Key}={pair.Value}")));
        }
        console.Write(ops);

        var tensors = new Table().Border(TableBorder.Simple).AddColumns("#", "tensor", "type", "shape", "bytes");
        foreach (var tensor in summary.Tensors)
        {
            tensors.AddRow(tensor.Index.ToString(CultureInfo.InvariantCulture), Markup.Escape(tensor.Name),
                tensor.Type == TensorType.Int8 ? "i8" : "i32", Shape(tensor.Shape), Count(tensor.Bytes));
        }
        console.Write(tensors);

        var buffers = new Table().Border(TableBorder.Simple).AddColumns("#", "buffer", "type", "kind", "shape", "bytes");
        foreach (var buffer in summary.Buffers)
        {
            buffers.AddRow(buffer.Index.ToString(CultureInfo.InvariantCulture), Markup.Escape(buffer.Name),
                buffer.Type == BufferType.UInt8 ? "u8" : "i32", buffer.Kind.ToString().ToLowerInvariant(), Shape(buffer.Shape),
                Count(buffer.Bytes));
        }
        console.Write(buffers);
        console.MarkupLine(
            $"constants [bold]{Count(summary.ConstantBytes)}[/] B (int8 weights {Count(summary.WeightBytes)} B)   "
            + $"state [bold]{Count(summary.StateBytes)}[/] B   step buffers {Count(summary.StepBufferBytes)} B");
        CompileCommand.RenderPlan(console, summary.Memory, fit);
    }

    private static string Shape(IReadOnlyList<int> shape) => string.Join("×", shape);

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>The <c>neuro program inspect --json</c> document: the program and, with <c>--board</c>, its fit.</summary>
public sealed record ProgramInspectReport(ProgramSummary Program, BoardFit? Fit);
