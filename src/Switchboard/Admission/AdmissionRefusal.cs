namespace Switchboard.Admission;

internal enum AdmissionRefusal
{
    None,

    /// <summary>403.</summary>
    Blocked,

    /// <summary>401.</summary>
    Expired,

    /// <summary>403.</summary>
    ModelNotAllowed,

    /// <summary>400, as LiteLLM's BudgetExceededError.</summary>
    BudgetExceeded,

    /// <summary>429.</summary>
    RpmLimit,

    /// <summary>429.</summary>
    TpmLimit,

    /// <summary>429.</summary>
    ParallelLimit,
}
