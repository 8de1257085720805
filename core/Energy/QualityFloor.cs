namespace SetGan.Core.Energy;

/// <summary>The quality a truncation must reach: a minimum SSIM, a maximum SWD, or none.</summary>
public abstract record QualityFloor
{
    /// <summary>The metric this floor speaks about, so the policy ranks truncations by it.</summary>
    public abstract QualityMetric Metric { get; }
    public abstract bool IsMetBy(double value);
    public abstract string Describe();

    public sealed record None(QualityMetric RankBy = QualityMetric.Ssim) : QualityFloor
    {
        public override QualityMetric Metric => RankBy;
        public override bool IsMetBy(double value) => true;
        public override string Describe() => "no quality floor";
    }

    public sealed record MinSsim(double Ssim) : QualityFloor
    {
        public override QualityMetric Metric => QualityMetric.Ssim;
        public override bool IsMetBy(double value) => value >= Ssim;
        public override string Describe() => $"SSIM >= {Ssim:G3}";
    }

    public sealed record MaxSwd(double Swd) : QualityFloor
    {
        public override QualityMetric Metric => QualityMetric.Swd;
        public override bool IsMetBy(double value) => value <= Swd;
        public override string Describe() => $"SWD <= {Swd:G3}";
    }
}

public enum QualityMetric { Ssim, Swd }
