using System.Threading.Channels;

namespace CoopAgent.Server.Sessions;

/// <summary>
/// Runs every policy call on one dedicated thread fed by a channel. TorchSharp dispose scopes and no-grad
/// blocks are bound to the thread that opened them and the policy is not thread-safe, so the hub never
/// calls it directly: it posts a job here and awaits the result. Jobs run one at a time, in order.
/// </summary>
public sealed class InferenceWorker : IDisposable
{
    private readonly Channel<Action> _jobs = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Thread _thread;
    private int _pending; // counted here: a single-reader channel cannot count its items

    public InferenceWorker()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "coopagent-inference" };
        _thread.Start();
    }

    /// <summary>Jobs waiting to run (for the bench and diagnostics).</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Runs <paramref name="job"/> on the inference thread and completes with its result or exception.
    /// A job still queued when <paramref name="cancellationToken"/> fires is skipped.</summary>
    public Task<T> RunAsync<T>(Func<CancellationToken, T> job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Execute()
        {
            if (cancellationToken.IsCancellationRequested)
            {
                done.TrySetCanceled(cancellationToken);
                return;
            }

            try
            {
                done.TrySetResult(job(cancellationToken));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                done.TrySetCanceled(cancellationToken);
            }
#pragma warning disable CA1031 // the worker thread must survive any job's failure; the caller sees the exception
            catch (Exception e)
#pragma warning restore CA1031
            {
                done.TrySetException(e);
            }
        }

        Interlocked.Increment(ref _pending);
        if (!_jobs.Writer.TryWrite(Execute))
        {
            Interlocked.Decrement(ref _pending);
            throw new InvalidOperationException("The inference worker has stopped.");
        }

        return done.Task;
    }

    /// <summary>
    /// Runs a producing job on the inference thread and streams what it emits: <paramref name="job"/> gets
    /// an <c>emit</c> callback (called on the inference thread, for example once per generated token) and
    /// returns a final value. The caller reads the emitted items asynchronously while the job runs.
    /// </summary>
    public async IAsyncEnumerable<StreamItem<TItem, TResult>> StreamAsync<TItem, TResult>(
        Func<Action<TItem>, CancellationToken, TResult> job,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var items = Channel.CreateUnbounded<TItem>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var running = RunAsync(
            token =>
            {
                try
                {
                    return job(item => items.Writer.TryWrite(item), token);
                }
                finally
                {
                    items.Writer.TryComplete();
                }
            },
            cancellationToken);
        _ = running.ContinueWith(_ => items.Writer.TryComplete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        await foreach (var item in items.Reader.ReadAllAsync(cancellationToken))
        {
            yield return new StreamItem<TItem, TResult>(false, item, default);
        }

        yield return new StreamItem<TItem, TResult>(true, default, await running);
    }

    public void Dispose()
    {
        _jobs.Writer.TryComplete();
        _thread.Join(TimeSpan.FromSeconds(5));
    }

    private void Run()
    {
        var reader = _jobs.Reader;
        // Blocking reads are right here: this thread exists only to run jobs.
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out var job))
            {
                Interlocked.Decrement(ref _pending);
                job();
            }
        }
    }
}

/// <summary>One item of <see cref="InferenceWorker.StreamAsync{TItem,TResult}"/>: an emitted item, or the final result.</summary>
public readonly record struct StreamItem<TItem, TResult>(bool IsFinal, TItem? Item, TResult? Result);
