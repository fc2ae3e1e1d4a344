using Interchange.Fuzz;
using Shouldly;

namespace Interchange.Tests.Fuzz;

/// <summary>
/// Every input of the fuzz corpus (fuzz/corpus/TARGET, and the MIME test corpus for the
/// message target) through its target: each returns without an exception, so an input that
/// once crashed and was committed to the corpus stays a regression test.
/// </summary>
public sealed class FuzzCorpusReplayTests
{
    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        var root = Path.Combine(AppContext.BaseDirectory, "FuzzCorpus");
        foreach (var target in FuzzTargets.All.Keys)
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(Path.Combine(root, target)).Order(StringComparer.Ordinal))
            {
                data.Add(target, Path.GetFileName(file));
            }
        }

        foreach (var file in System.IO.Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "Mime", "Corpus")).Order(StringComparer.Ordinal))
        {
            data.Add("message", "../../Mime/Corpus/" + Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Every_corpus_input_runs_through_its_target(string target, string file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "FuzzCorpus", target, file));

        Should.NotThrow(() => FuzzTargets.All[target](bytes));
    }

    [Fact]
    public void The_corpus_has_inputs_for_every_target()
    {
        foreach (var target in FuzzTargets.All.Keys)
        {
            System.IO.Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "FuzzCorpus", target)).ShouldNotBeEmpty(target);
        }
    }
}
