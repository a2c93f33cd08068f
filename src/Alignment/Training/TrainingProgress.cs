namespace CoopAgent.Alignment.Training;

/// <summary>One report from a trainer, for progress bars and logs.</summary>
/// <param name="Stage">Which training this is, for example <c>pretrain</c> or <c>sft</c>.</param>
/// <param name="Step">Optimizer steps done (1-based).</param>
/// <param name="Total">Steps planned.</param>
/// <param name="Loss">Loss of the step just taken.</param>
/// <param name="LearningRate">Step size used for it.</param>
public sealed record TrainingProgress(string Stage, int Step, int Total, double Loss, double LearningRate);
