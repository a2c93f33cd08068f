using TorchSharp;

namespace CoopAgent.Alignment.Tests.Training;

internal static class TensorAssert
{
    public static void Close(double[] expected, torch.Tensor actual, double tolerance = 1e-5)
    {
        var values = actual.to(torch.ScalarType.Float64).data<double>().ToArray();
        Assert.Equal(expected.Length, values.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - values[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {values[i]}");
        }
    }

    public static void Close(double expected, torch.Tensor actual, double tolerance = 1e-5) =>
        Close([expected], actual.reshape(1), tolerance);

    public static torch.Tensor Rows(params float[][] rows) => torch.tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);
}
