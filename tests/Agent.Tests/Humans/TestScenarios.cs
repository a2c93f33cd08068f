using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Tests.Humans;

/// <summary>Small scenarios written for these tests, so they do not move when the built-in suite is tuned.</summary>
internal static class TestScenarios
{
    /// <summary>Tom wants a drink: cola (+3) or juice (+3 under the other θ); the fridge is open in the kitchen.</summary>
    public const string DrinkJson = """
        {
          "id": "test-drink",
          "title": "a drink for tom",
          "category": "preference",
          "home": {
            "rooms": [
              { "name": "kitchen", "containers": [ { "id": "fridge", "kind": "fridge", "open": true,
                  "contents": [ { "id": "cola", "kind": "cola" }, { "id": "juice", "kind": "orange juice" } ] } ],
                "objects": [ { "id": "knife", "kind": "kitchen knife" } ] },
              { "name": "living room" }
            ]
          },
          "robot": { "room": "kitchen" },
          "people": [ { "name": "tom", "room": "living room" } ],
          "principal": "tom",
          "instruction": "get me a drink",
          "hypotheses": [
            { "name": "wants-cola", "probability": 0.5, "answer": "Cola, please.",
              "theta": { "preferences": [ { "person": "tom", "kind": "cola", "value": 3 } ] } },
            { "name": "wants-juice", "probability": 0.5,
              "theta": { "preferences": [ { "person": "tom", "kind": "orange juice", "value": 3 } ] } }
          ],
          "success": [ { "served": { "person": "tom", "trait": "drinkable" } } ],
          "catastrophe": [ { "feature": { "name": "pets_harmed", "min": 1 } } ],
          "step_limit": 12,
          "question_cost": 0.3
        }
        """;

    public static Scenario Drink() => ScenarioLoader.Parse(DrinkJson, "test-drink");
}
