#nullable enable
// Facts about a file for the Python tests (tests/support/psparse.py): functions, commands and their literal
// arguments, #AnsibleRequires, the literal values of top-level assignments, variables used in double-quoted strings.
//
// Values are tagged so the Python side can tell a hashtable from a script block from something not literal:
//   {"k":"str","v":"x"} {"k":"int","v":1} {"k":"bool","v":true} {"k":"null"} {"k":"list","v":[...]}
//   {"k":"hashtable","v":[["key", value], ...]} {"k":"scriptblock","params":["Op"],"commands":[...]}
//   {"k":"other","ast":"VariableExpressionAst","line":3,"column":5}
using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;

namespace MtlsPsStatic
{
    internal static class Facts
    {
        // Same pattern as ansible-core's PowerShell module manifest builder (case-insensitive, at line start).
        private static readonly Regex RequiresPowerShell = new Regex(@"^#\s*ansiblerequires\s+-powershell\s+([\w.]+)", RegexOptions.IgnoreCase);

        public static Dictionary<string, object?> Of(FileUnit unit)
        {
            var assignments = new Dictionary<string, List<object?>>(StringComparer.OrdinalIgnoreCase);
            foreach (var statement in TopLevelStatements(unit.Ast))
            {
                if (statement is AssignmentStatementAst assignment && assignment.Operator == TokenKind.Equals
                    && assignment.Left is VariableExpressionAst variable)
                {
                    var name = AstUtil.VariableName(variable);
                    if (!assignments.TryGetValue(name, out var values))
                    {
                        assignments[name] = values = new List<object?>();
                    }
                    values.Add(Literal(assignment.Right));
                }
            }
            return new Dictionary<string, object?>
            {
                ["functions"] = unit.All<FunctionDefinitionAst>()
                    .Select(f => new Dictionary<string, object?> { ["name"] = AstUtil.FunctionName(f), ["line"] = f.Extent.StartLineNumber })
                    .ToList(),
                ["commands"] = unit.All<CommandAst>().Where(c => c.GetCommandName() != null).Select(Command).ToList(),
                ["requires"] = Requires(unit.Tokens),
                ["assignments"] = assignments,
                ["interpolated_variables"] = unit.All<ExpandableStringExpressionAst>()
                    .SelectMany(s => s.FindAll(a => a is VariableExpressionAst, true).Cast<VariableExpressionAst>())
                    .Select(v => AstUtil.VariableName(v).ToLowerInvariant())
                    .Distinct()
                    .OrderBy(n => n, StringComparer.Ordinal)
                    .ToList(),
            };
        }

        public static IEnumerable<StatementAst> TopLevelStatements(ScriptBlockAst root)
        {
            foreach (var block in new[] { root.BeginBlock, root.ProcessBlock, root.EndBlock })
            {
                if (block != null)
                {
                    foreach (var statement in block.Statements)
                    {
                        yield return statement;
                    }
                }
            }
        }

        private static List<string> Requires(IEnumerable<Token> tokens)
        {
            var names = new List<string>();
            foreach (var token in tokens)
            {
                if (token.Kind == TokenKind.Comment && token.Extent.StartColumnNumber == 1)
                {
                    var match = RequiresPowerShell.Match(token.Text);
                    if (match.Success)
                    {
                        names.Add(match.Groups[1].Value);
                    }
                }
            }
            return names;
        }

        private static Dictionary<string, object?> Command(CommandAst command)
        {
            var parameters = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in AstUtil.NamedParameters(command))
            {
                parameters[pair.Key.ParameterName] = pair.Value == null ? Tag("switch") : Literal(pair.Value);
            }
            return new Dictionary<string, object?>
            {
                ["name"] = command.GetCommandName(),
                ["line"] = command.Extent.StartLineNumber,
                ["function"] = AstUtil.EnclosingFunction(command) is FunctionDefinitionAst f ? AstUtil.FunctionName(f) : null,
                ["parameters"] = parameters,
            };
        }

        private static Dictionary<string, object?> Tag(string kind, object? value = null)
        {
            var tagged = new Dictionary<string, object?> { ["k"] = kind };
            if (value != null)
            {
                tagged["v"] = value;
            }
            return tagged;
        }

        public static Dictionary<string, object?> Literal(Ast ast)
        {
            switch (ast)
            {
                case PipelineAst _:
                case AssignmentStatementAst _:
                    var single = AstUtil.SingleExpression(ast as StatementAst);
                    return single == null ? Other(ast) : Literal(single);
                case CommandExpressionAst command:
                    return Literal(command.Expression);
                case ParenExpressionAst paren:
                    return Literal(paren.Pipeline);
                case StringConstantExpressionAst text:
                    return Tag("str", text.Value);
                case ExpandableStringExpressionAst expandable when expandable.NestedExpressions.Count == 0:
                    return Tag("str", expandable.Value);
                case ConstantExpressionAst constant when constant.Value is int || constant.Value is long:
                    return Tag("int", Convert.ToInt64(constant.Value));
                case VariableExpressionAst variable when variable.VariablePath.IsUnqualified || variable.VariablePath.IsVariable:
                    var name = variable.VariablePath.UserPath.ToLowerInvariant();
                    if (name == "true" || name == "false")
                    {
                        return Tag("bool", name == "true");
                    }
                    return name == "null" ? Tag("null") : Other(ast);
                case UnaryExpressionAst unary when unary.TokenKind == TokenKind.Minus:
                    var operand = Literal(unary.Child);
                    return (string?)operand["k"] == "int" ? Tag("int", -(long)operand["v"]!) : Other(ast);
                case ArrayLiteralAst array:
                    return Tag("list", array.Elements.Select(e => (object?)Literal(e)).ToList());
                case ArrayExpressionAst arrayExpression:
                    return ArrayExpression(arrayExpression);
                case HashtableAst table:
                    return Tag("hashtable", table.KeyValuePairs
                        .Select(p => (object?)new List<object?> { HashKey(p.Item1), Literal(p.Item2) })
                        .ToList());
                case ConvertExpressionAst convert when convert.Type.TypeName.FullName.Equals("ordered", StringComparison.OrdinalIgnoreCase):
                    return Literal(convert.Child);
                case ScriptBlockExpressionAst block:
                    return ScriptBlock(block.ScriptBlock);
                default:
                    return Other(ast);
            }
        }

        private static object? HashKey(ExpressionAst key)
        {
            var literal = Literal(key);
            return (string?)literal["k"] == "str" ? literal["v"] : literal;
        }

        private static Dictionary<string, object?> ArrayExpression(ArrayExpressionAst array)
        {
            var items = new List<object?>();
            foreach (var statement in array.SubExpression.Statements)
            {
                var value = Literal(statement);
                if ((string?)value["k"] == "list")
                {
                    items.AddRange((List<object?>)value["v"]!);
                }
                else if ((string?)value["k"] == "other")
                {
                    return Other(array);
                }
                else
                {
                    items.Add(value);
                }
            }
            return Tag("list", items);
        }

        private static Dictionary<string, object?> ScriptBlock(ScriptBlockAst block)
        {
            var parameters = block.ParamBlock?.Parameters.Select(p => (object?)p.Name.VariablePath.UserPath).ToList()
                ?? new List<object?>();
            return new Dictionary<string, object?>
            {
                ["k"] = "scriptblock",
                ["params"] = parameters,
                ["commands"] = block.FindAll(a => a is CommandAst c && c.GetCommandName() != null, true)
                    .Cast<CommandAst>()
                    .Select(Command)
                    .ToList(),
            };
        }

        private static Dictionary<string, object?> Other(Ast ast)
        {
            return new Dictionary<string, object?>
            {
                ["k"] = "other",
                ["ast"] = ast.GetType().Name,
                ["line"] = ast.Extent.StartLineNumber,
                ["column"] = ast.Extent.StartColumnNumber,
            };
        }
    }
}
