#nullable enable
// One request (JSON) in, one answer (JSON) out. A request lists files (a path or the source text) and the checks
// to run on each: "ps51", "netfx", "lint"; parsing and facts are always done. All files of a request are parsed
// before any is checked, so every function they define counts as the collection's own command.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation.Language;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MtlsPsStatic
{
    public sealed class Analyzer
    {
        private static readonly JsonSerializerOptions Json = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        };

        private readonly RuleData data;
        private readonly string[] referenceFolders;
        private RefIndex? refs;

        public long ReferenceMilliseconds { get; private set; }

        public Analyzer(IDictionary ruleData, string[] referenceFolders)
        {
            data = new RuleData(ruleData);
            this.referenceFolders = referenceFolders;
        }

        private RefIndex Refs
        {
            get
            {
                if (refs == null)
                {
                    var watch = Stopwatch.StartNew();
                    refs = new RefIndex(referenceFolders);
                    ReferenceMilliseconds = watch.ElapsedMilliseconds;
                }
                return refs;
            }
        }

        public string Analyze(string requestJson)
        {
            var watch = Stopwatch.StartNew();
            var request = JsonNode.Parse(requestJson) ?? throw new ArgumentException("empty request");
            var units = new List<FileUnit>();
            foreach (var file in request["files"]!.AsArray())
            {
                units.Add(Parse(file!));
            }
            var functions = units.SelectMany(u => u.All<FunctionDefinitionAst>()).ToList();
            var known = new HashSet<string>(functions.Select(AstUtil.FunctionName), StringComparer.OrdinalIgnoreCase);
            var outputTypes = new Dictionary<string, ITypeName>(StringComparer.OrdinalIgnoreCase);
            foreach (var function in functions)
            {
                if (OutputType(function) is ITypeName type)
                {
                    outputTypes[AstUtil.FunctionName(function)] = type;
                }
            }
            var results = new List<Dictionary<string, object?>>();
            foreach (var unit in units)
            {
                unit.KnownFunctions = known;
                unit.FunctionOutputTypes = outputTypes;
                results.Add(Check(unit));
            }
            var answer = new Dictionary<string, object?>
            {
                ["id"] = (string?)request["id"],  // echoed, so a client can match the answer to its request
                ["files"] = results,
                ["elapsed_ms"] = watch.ElapsedMilliseconds,
                ["reference_index"] = refs == null ? null : new Dictionary<string, object?>
                {
                    ["assemblies"] = refs.AssemblyCount,
                    ["types"] = refs.TypeCount,
                    ["elapsed_ms"] = ReferenceMilliseconds,
                },
            };
            return JsonSerializer.Serialize(answer, Json);
        }

        /// <summary>The type of a function's [OutputType(T)] when it names exactly one.</summary>
        private static ITypeName? OutputType(FunctionDefinitionAst function)
        {
            var declared = (function.Body.ParamBlock?.Attributes ?? Enumerable.Empty<AttributeAst>())
                .Where(a => a.TypeName.Name.Equals("OutputType", StringComparison.OrdinalIgnoreCase))
                .SelectMany(a => a.PositionalArguments)
                .ToList();
            return declared.Count == 1 && declared[0] is TypeExpressionAst type ? type.TypeName : null;
        }

        private static FileUnit Parse(JsonNode file)
        {
            var name = (string?)file["name"] ?? throw new ArgumentException("a file without a name");
            var checks = file["checks"]?.AsArray().Select(c => (string)c!).ToList() ?? new List<string>();
            Token[] tokens;
            ParseError[] errors;
            ScriptBlockAst ast;
            if (file["source"] is JsonNode source)
            {
                ast = Parser.ParseInput((string)source!, out tokens, out errors);
            }
            else
            {
                var path = (string?)file["path"] ?? throw new ArgumentException(name + ": neither path nor source");
                ast = Parser.ParseFile(Path.GetFullPath(path), out tokens, out errors);
            }
            var unit = new FileUnit(name, ast, tokens, errors, checks);
            if (file["documented_secrets"] is JsonArray secrets)
            {
                unit.DocumentedSecrets.AddRange(secrets.Select(s => (string)s!));
            }
            return unit;
        }

        private Dictionary<string, object?> Check(FileUnit unit)
        {
            var timings = new Dictionary<string, long>();
            var watch = Stopwatch.StartNew();
            TypeInference? inference = null;
            TypeInference Inference() => inference ??= new TypeInference(unit, new TypeResolver(Refs, data, unit));
            foreach (var check in unit.Checks)
            {
                watch.Restart();
                switch (check)
                {
                    case "ps51":
                        Ps51Rules.Check(unit, data);
                        break;
                    case "netfx":
                        NetFxRules.Check(unit, data, Inference());
                        break;
                    case "lint":
                        LintRules.Check(unit, data, Inference());
                        break;
                    default:
                        throw new ArgumentException(unit.Name + ": unknown check " + check);
                }
                timings[check] = watch.ElapsedMilliseconds;
            }
            var result = new Dictionary<string, object?>
            {
                ["name"] = unit.Name,
                ["parse_errors"] = unit.Errors.Select(e => new Dictionary<string, object?>
                {
                    ["line"] = e.Extent.StartLineNumber,
                    ["column"] = e.Extent.StartColumnNumber,
                    ["id"] = e.ErrorId,
                    ["message"] = e.Message,
                }).ToList(),
                ["findings"] = unit.Findings
                    .OrderBy(f => f.Line).ThenBy(f => f.Column).ThenBy(f => f.Rule, StringComparer.Ordinal)
                    .ToList(),
                ["facts"] = Facts.Of(unit),
                ["stats"] = unit.Stats,
                ["elapsed_ms"] = timings,
            };
            return result;
        }
    }
}
