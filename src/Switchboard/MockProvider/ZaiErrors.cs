using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace Switchboard.MockProvider;

/// <summary>
/// Z.ai's failures: an HTTP status plus a business code in <c>{"error":{"code":"1302","message":"…"}}</c> (the code is a
/// string) and no rate-limit headers.
/// </summary>
/// <remarks>
/// Statuses and texts follow Z.ai's "API code" reference page (docs.z.ai/api-reference/api-code, read 2026-11) and what users
/// report: the page lists 401 for authentication failures, 400 for parameter errors, and 429 for concurrency exceeded, balance
/// exhausted and "account anomaly" (locked or violating accounts); it lists no 403 at all, so 1110–1112 answer 429 here.
/// 1113 (arrears, also a Coding Plan key used on the general endpoint) and 1309/1313 (plan expired, fair-use ban) arrive as
/// 429 too. 1301 (unsafe content) and 1210–1215 are 400. Texts for 1000–1301 and the start of 1302 are the page's;
/// 1303–1313 are paraphrased from user reports. 1308 names the reset moment in UTC+8 (Beijing time).
/// </remarks>
internal static class ZaiErrors
{
    private static readonly ConcurrentDictionary<int, byte[]> Bodies = new();
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    public static int StatusOf(int code) => code switch
    {
        >= 1000 and <= 1004 => 401,
        >= 1110 and <= 1113 => 429,
        1120 or 1121 => 429,
        >= 1302 and <= 1305 => 429,
        1308 or 1309 or 1313 => 429,
        1234 => 500,
        _ => 400,
    };

    public static string MessageOf(int code, DateTimeOffset now) => code switch
    {
        1000 => "Authentication Failed",
        1001 => "Authentication parameter not received in Header, unable to authenticate",
        1002 => "Invalid Authentication Token, please confirm the correct transmission of the Authentication Token",
        1003 => "Authentication Token expired, please regenerate/obtain",
        1004 => "Authentication failed with the provided Authentication Token",
        1110 => "Your account is currently inactive. Please check your account information",
        1111 => "Your account does not exist",
        1112 => "Your account has been locked, please contact customer service to unlock",
        1113 => "Your account is in arrears, please recharge and try again",
        1121 => "Account has irregular activities and has been locked",
        1210 => "Incorrect API call parameters, please check the documentation",
        1211 => "Model does not exist, please check the model code",
        1212 => "Current model does not support this call method",
        1213 => "The prompt parameter not received properly",
        1214 => "Invalid messages parameter. Please check the documentation",
        1215 => "Parameters cannot be set simultaneously, please check the documentation",
        1301 => "System detected potentially unsafe or sensitive content in input or generation. "
            + "Please avoid using prompts that may generate sensitive content. Thank you for your cooperation.",
        1302 => "High concurrency usage of this API, please reduce concurrency or contact customer service to increase limits",
        1303 => "High frequency usage of this API, please reduce frequency or contact customer service to increase limits",
        1304 => "The number of API calls for today has reached the limit. Please contact customer service to increase limits",
        1305 => "The service may be temporarily overloaded, please try again later",
        1308 => "Usage limit reached for 5 hour. Your limit will reset at "
            + now.ToOffset(Beijing).AddHours(5).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        1309 => "Your GLM Coding Plan package has expired, please renew it to continue",
        1313 => "Your account's current usage pattern does not comply with the Fair Usage Policy; access has been restricted",
        _ => "Mock Z.ai business error " + code.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The body for <paramref name="code"/>; cached except 1308, whose message depends on the clock.</summary>
    public static byte[] BodyOf(int code, DateTimeOffset now) =>
        code == 1308 ? Build(code, now) : Bodies.GetOrAdd(code, static c => Build(c, DateTimeOffset.UnixEpoch));

    private static byte[] Build(int code, DateTimeOffset now) => MockJson.Build((code, now), static (w, s) =>
    {
        w.WriteStartObject();
        w.WriteStartObject("error");
        w.WriteString("code", s.code.ToString(CultureInfo.InvariantCulture));
        w.WriteString("message", MessageOf(s.code, s.now));
        w.WriteEndObject();
        w.WriteEndObject();
    });
}
