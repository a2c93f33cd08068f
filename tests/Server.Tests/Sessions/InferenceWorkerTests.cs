using CoopAgent.Server.Sessions;

namespace CoopAgent.Server.Tests.Sessions;

public sealed class InferenceWorkerTests
{
    [Fact]
    public async Task Every_job_runs_on_the_one_inference_thread_in_order()
    {
        using var worker = new InferenceWorker();
        var threads = new List<int>();
        var order = new List<int>();
        var jobs = Enumerable.Range(0, 20).Select(i => Task.Run(() => worker.RunAsync(_ =>
        {
            lock (order)
            {
                order.Add(i);
                threads.Add(Environment.CurrentManagedThreadId);
            }

            return i * i;
        }, CancellationToken.None))).ToList();
        var results = await Task.WhenAll(jobs);

        Assert.Equal(Enumerable.Range(0, 20).Select(i => i * i), results);
        Assert.Single(threads.Distinct());
        Assert.NotEqual(Environment.CurrentManagedThreadId, threads[0]);
        Assert.Equal(20, order.Count);
    }

    [Fact]
    public async Task Pending_counts_the_jobs_queued_behind_the_running_one()
    {
        using var worker = new InferenceWorker();
        Assert.Equal(0, worker.Pending);
        var started = new ManualResetEventSlim();
        var release = new ManualResetEventSlim();
        var running = worker.RunAsync(token =>
        {
            started.Set();
            return release.Wait(TimeSpan.FromSeconds(30), token);
        }, CancellationToken.None);
        Assert.True(started.Wait(TimeSpan.FromSeconds(30)));
        var queued = Enumerable.Range(0, 3).Select(i => worker.RunAsync(_ => i, CancellationToken.None)).ToList();
        Assert.Equal(3, worker.Pending);

        release.Set();
        Assert.True(await running);
        Assert.Equal(new[] { 0, 1, 2 }, await Task.WhenAll(queued));
        Assert.Equal(0, worker.Pending);
    }

    [Fact]
    public async Task A_failing_job_reports_its_exception_and_the_worker_keeps_going()
    {
        using var worker = new InferenceWorker();
        await Assert.ThrowsAsync<InvalidOperationException>(() => worker.RunAsync<int>(_ => throw new InvalidOperationException("bad"), CancellationToken.None));
        Assert.Equal(7, await worker.RunAsync(_ => 7, CancellationToken.None));
    }

    [Fact]
    public async Task A_stream_delivers_emitted_items_then_the_final_result()
    {
        using var worker = new InferenceWorker();
        var items = new List<string>();
        int? result = null;
        await foreach (var item in worker.StreamAsync<string, int>((emit, _) =>
        {
            foreach (var token in new[] { "a", "b", "c" })
            {
                emit(token);
            }

            return 3;
        }, CancellationToken.None))
        {
            if (item.IsFinal)
            {
                result = item.Result;
            }
            else
            {
                items.Add(item.Item!);
            }
        }

        Assert.Equal(["a", "b", "c"], items);
        Assert.Equal(3, result);
    }

    [Fact]
    public async Task A_job_cancelled_while_queued_never_runs()
    {
        using var worker = new InferenceWorker();
        using var gate = new ManualResetEventSlim();
        var blocker = worker.RunAsync(_ => gate.Wait(TimeSpan.FromSeconds(30), CancellationToken.None), CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var ran = false;
        var queued = worker.RunAsync(_ => ran = true, cancel.Token);
        await cancel.CancelAsync();
        gate.Set();
        await blocker;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        Assert.False(ran);
    }
}
