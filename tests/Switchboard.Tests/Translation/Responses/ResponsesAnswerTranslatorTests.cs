using System.Text;
using System.Text.Json.Nodes;
using Switchboard.Translation.Responses;

namespace Switchboard.Tests.Translation.Responses;

public sealed class ResponsesAnswerTranslatorTests
{
    private const string Set = "ResponsesAnswer";

    public static TheoryData<string> Cases => GoldenFiles.Cases(Set);

    [Theory]
    [MemberData(nameof(Cases))]
    public void ToResponse_GoldenCase_MatchesExpected(string name)
    {
        var input = JsonNode.Parse(GoldenFiles.Input(Set, name))!;
        var completion = Encoding.UTF8.GetBytes(input["completion"]!.ToJsonString());

        var answer = ResponsesAnswerTranslator.ToResponse(completion, ResponsesFixture.Translated(), ResponsesFixture.ResponseId,
            ResponsesFixture.CreatedAt, ResponsesFixture.EstimatedInput, out _);

        GoldenFiles.AssertJson(Set, name, answer);
    }
}
