using CoopAgent.Alignment.Checkpoints;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Tokenization;
using CoopAgent.Alignment.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Tests.Checkpoints;

/// <summary>Runs alone: the resume test restores LibTorch's process-wide random state, which tests running in
/// parallel would otherwise draw from in between.</summary>
[CollectionDefinition(nameof(CheckpointStoreTests), DisableParallelization = true)]
public sealed class GlobalRandomStateTests;

[Collection(nameof(CheckpointStoreTests))]
public sealed class CheckpointStoreTests : IDisposable
{
    private static readonly CompactTokenizer Tokenizer = CompactTokenizer.Build(["goto kitchen; open fridge; done"]);
    private readonly string _root = Directory.CreateTempSubdirectory("ckpt-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static Gpt Model(int seed = 1) => new(GptConfig.Tiny(Tokenizer.Count), new Generator((ulong)seed, CPU));

    private string SaveOne(Gpt? model = null, string name = "policy")
    {
        var directory = Path.Combine(_root, name);
        CheckpointStore.Save(directory, model ?? Model(), Tokenizer, CheckpointManifest.Create("v1", info: new Dictionary<string, string> { ["seed"] = "1" }));
        return directory;
    }

    private static float Output(Gpt model)
    {
        using var scope = NewDisposeScope();
        model.eval();
        return model.forward(tensor(new long[,] { { 0, 7, 200, 12 } }), null).sum().item<float>();
    }

    [Fact]
    public void Save_and_load_give_identical_outputs_and_the_manifest_back()
    {
        var model = Model();
        var directory = SaveOne(model);
        var loaded = CheckpointStore.LoadGpt(directory);

        Assert.Equal(Output(model), Output(loaded.Model));
        Assert.Equal("v1", loaded.Manifest.Name);
        Assert.Equal("1", loaded.Manifest.Info["seed"]);
        Assert.Equal(64, loaded.Manifest.WeightsSha256.Length);
        Assert.Equal(model.Config, loaded.Config);
        Assert.Equal(Tokenizer.Encode("open fridge"), loaded.Tokenizer.Encode("open fridge"));
        Assert.False(loaded.CanResume);
    }

    [Fact]
    public void A_scalar_model_round_trips_and_is_not_taken_for_a_policy()
    {
        var critic = new ScalarModel(GptConfig.Tiny(Tokenizer.Count), new Generator(4, CPU));
        var directory = Path.Combine(_root, "critic");
        CheckpointStore.Save(directory, critic, Tokenizer, CheckpointManifest.Create("critic"));
        var loaded = CheckpointStore.LoadScalar(directory);
        critic.eval();
        loaded.Model.eval();
        var tokens = tensor(new long[,] { { 0, 9, 10 } });
        Assert.Equal(critic.forward(tokens, null).data<float>().ToArray(), loaded.Model.forward(tokens, null).data<float>().ToArray());
        var e = Assert.Throws<CheckpointException>(() => CheckpointStore.LoadGpt(directory));
        Assert.Contains(CheckpointStore.ManifestFile, e.Message);
    }

    [Fact]
    public void A_truncated_weights_file_is_refused_naming_the_file()
    {
        var directory = SaveOne();
        var weights = Path.Combine(directory, CheckpointStore.WeightsFile);
        using (var stream = File.Open(weights, FileMode.Open))
        {
            stream.SetLength(stream.Length / 2);
        }

        var e = Assert.Throws<CheckpointException>(() => CheckpointStore.LoadGpt(directory));
        Assert.Contains(CheckpointStore.WeightsFile, e.Message);
        Assert.Contains("SHA-256", e.Message);
        Assert.Equal(weights, e.FilePath);
    }

    [Fact]
    public void A_single_changed_byte_in_the_weights_is_refused()
    {
        var directory = SaveOne();
        var weights = Path.Combine(directory, CheckpointStore.WeightsFile);
        var bytes = File.ReadAllBytes(weights);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(weights, bytes);

        var e = Assert.Throws<CheckpointException>(() => CheckpointStore.LoadGpt(directory));
        Assert.Contains(CheckpointStore.WeightsFile, e.Message);
        Assert.Contains("corrupt", e.Message);
    }

    [Theory]
    [InlineData(CheckpointStore.ManifestFile)]
    [InlineData(CheckpointStore.WeightsFile)]
    [InlineData(CheckpointStore.ConfigFile)]
    [InlineData(CompactTokenizer.FileName)]
    public void A_missing_file_is_refused_naming_it(string file)
    {
        var directory = SaveOne();
        File.Delete(Path.Combine(directory, file));
        var e = Assert.Throws<CheckpointException>(() => CheckpointStore.LoadGpt(directory));
        Assert.Contains(file, e.Message);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void A_missing_folder_is_refused()
    {
        var e = Assert.Throws<CheckpointException>(() => CheckpointStore.LoadGpt(Path.Combine(_root, "nothing")));
        Assert.Contains("nothing", e.Message);
    }

    [Fact]
    public void A_config_that_does_not_match_the_weights_is_refused_naming_the_weights_and_the_config()
    {
        var directory = SaveOne();
        var configPath = Path.Combine(directory, CheckpointStore.ConfigFile);
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("\"Width\": 32", "\"Width\": 48"));
        var e = Assert.Throws<CheckpointException>(() => CheckpointStore.LoadGpt(directory));
        Assert.Contains(CheckpointStore.WeightsFile, e.Message);
        Assert.Contains(CheckpointStore.ConfigFile, e.Message);
    }

    [Fact]
    public void A_config_whose_vocabulary_differs_from_the_tokenizer_is_refused()
    {
        var directory = SaveOne();
        var configPath = Path.Combine(directory, CheckpointStore.ConfigFile);
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace($"\"VocabSize\": {Tokenizer.Count}", "\"VocabSize\": 999"));
        var e = Assert.Throws<CheckpointException>(() => CheckpointStore.LoadGpt(directory));
        Assert.Contains(CheckpointStore.ConfigFile, e.Message);
        Assert.Contains("VocabSize", e.Message);
    }

    [Fact]
    public void A_garbled_manifest_is_refused_naming_it()
    {
        var directory = SaveOne();
        File.WriteAllText(Path.Combine(directory, CheckpointStore.ManifestFile), "{ not json");
        var e = Assert.Throws<CheckpointException>(() => CheckpointStore.LoadGpt(directory));
        Assert.Contains(CheckpointStore.ManifestFile, e.Message);
    }

    [Fact]
    public void A_crash_mid_write_leaves_the_old_checkpoint_intact_and_no_half_folder()
    {
        var old = Model(1);
        var directory = SaveOne(old);
        var replacement = Model(2);

        Assert.Throws<IOException>(() => CheckpointStore.SaveCore(directory, replacement, Tokenizer, CheckpointManifest.Create("v2"), null, null,
            file => { if (file == CheckpointStore.ConfigFile) throw new IOException("disk full (simulated)"); }));

        var loaded = CheckpointStore.LoadGpt(directory);
        Assert.Equal("v1", loaded.Manifest.Name);
        Assert.Equal(Output(old), Output(loaded.Model));
        Assert.Equal([directory], Directory.GetDirectories(_root));
    }

    [Fact]
    public void A_crash_while_writing_a_new_checkpoint_leaves_nothing_behind()
    {
        var directory = Path.Combine(_root, "fresh");
        Assert.Throws<IOException>(() => CheckpointStore.SaveCore(directory, Model(), Tokenizer, CheckpointManifest.Create("v1"), null, null,
            file => { if (file == CheckpointStore.ManifestFile) throw new IOException("killed (simulated)"); }));
        Assert.Empty(Directory.GetDirectories(_root));
    }

    [Fact]
    public void Saving_over_an_existing_checkpoint_replaces_it()
    {
        var directory = SaveOne(Model(1));
        var replacement = Model(2);
        CheckpointStore.Save(directory, replacement, Tokenizer, CheckpointManifest.Create("v2", parent: "v1"));
        var loaded = CheckpointStore.LoadGpt(directory);
        Assert.Equal(("v2", "v1"), (loaded.Manifest.Name, loaded.Manifest.Parent));
        Assert.Equal(Output(replacement), Output(loaded.Model));
        Assert.Single(Directory.GetDirectories(_root));
    }

    [Fact]
    public void Optimizer_step_and_random_state_round_trip_for_resuming()
    {
        var model = Model();
        using var trainer = new SftTrainer(model, new SftOptions(BatchSize: 1), 1, CompactTokenizer.PadId);
        using var batch = TokenBatches.Sft([new SftExample([0, 7], [12, 1])], CompactTokenizer.PadId, 64);
        trainer.Step(batch);
        torch.manual_seed(77);
        var directory = Path.Combine(_root, "resumable");
        CheckpointStore.Save(directory, model, Tokenizer, CheckpointManifest.Create("r"), trainer.Optimizer, new TrainingState(trainer.StepsDone, 5));
        var expectedRandom = torch.rand(3).data<float>().ToArray();
        var expectedLoss = trainer.Step(batch);

        var loaded = CheckpointStore.LoadGpt(directory);
        Assert.True(loaded.CanResume);
        using var resumed = new SftTrainer(loaded.Model, new SftOptions(BatchSize: 1), 1, CompactTokenizer.PadId);
        var state = loaded.RestoreTraining(resumed.Optimizer);
        resumed.StepsDone = state.Step;
        Assert.Equal((1, 5L), (state.Step, state.Seed));
        Assert.Equal(expectedRandom, torch.rand(3).data<float>().ToArray());
        Assert.Equal(expectedLoss, resumed.Step(batch), 5);
        // With the restored Adam moments the second update matches the uninterrupted run exactly.
        Assert.Equal(Output(model), Output(loaded.Model), 4);
    }

    [Fact]
    public void Saving_a_model_with_a_mismatched_tokenizer_is_refused()
    {
        var model = new Gpt(GptConfig.Tiny(Tokenizer.Count + 1));
        Assert.Throws<ArgumentException>(() => CheckpointStore.Save(Path.Combine(_root, "bad"), model, Tokenizer, CheckpointManifest.Create("x")));
        Assert.Empty(Directory.GetDirectories(_root));
    }
}
