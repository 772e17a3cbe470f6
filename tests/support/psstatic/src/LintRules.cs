#nullable enable
// What ansible-test's pslint (PSScriptAnalyzer, not installable here) would guard and matters to us, as AST rules.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;

namespace MtlsPsStatic
{
    internal static class LintRules
    {
        private static readonly Regex WordBoundary = new Regex(@"[_\-\s]+|(?<=[a-z0-9])(?=[A-Z])");

        public static void Check(FileUnit unit, RuleData data, TypeInference inference)
        {
            foreach (var command in unit.All<CommandAst>())
            {
                var written = command.GetCommandName();
                if (written == null || unit.KnownFunctions.Contains(written))
                {
                    continue;
                }
                var cmdlet = data.ResolveAlias(written);
                if (!cmdlet.Equals(written, StringComparison.OrdinalIgnoreCase))
                {
                    unit.Report("lint.alias", command.Extent, AstUtil.Where(command) + written,
                        written + " is an alias of " + cmdlet + "; aliases differ between hosts (several are missing on Linux pwsh), write " + cmdlet);
                }
                if (cmdlet.Equals("Write-Host", StringComparison.OrdinalIgnoreCase))
                {
                    unit.Report("lint.write-host", command.Extent, AstUtil.Where(command) + "Write-Host",
                        "Write-Host writes to the host, which a module run over WinRM has no use for; return data in the result or use $module.Warn()");
                }
            }
            foreach (var function in unit.All<FunctionDefinitionAst>())
            {
                ApprovedVerb(unit, data, function);
                UncapturedOutput(unit, data, inference, function);
            }
            foreach (var type in unit.All<TypeDefinitionAst>())  // WINDOWS_FACTS PS51-12
            {
                unit.Report("lint.class-definition", type.Extent, (type.IsEnum ? "enum " : "class ") + type.Name,
                    "PowerShell classes and enums of a module_util are not exported by Import-Module (only 'using module' does), and Ansible loads utils with Import-Module; use hashtables, or C# through #AnsibleRequires -CSharpUtil");
            }
            foreach (var clause in unit.All<CatchClauseAst>())
            {
                if (clause.Body.Statements.Count == 0 && clause.Body.Traps == null)
                {
                    unit.Report("lint.empty-catch", clause.Extent, AstUtil.Where(clause) + "catch " + string.Join(", ", clause.CatchTypes.Select(t => t.TypeName.Name)),
                        "an empty catch block drops the error silently; handle it, rethrow, or say in a statement why it is ignored");
                }
            }
            foreach (var command in unit.All<CommandAst>())
            {
                ErrorActionInTry(unit, data, command);
            }
            foreach (var comparison in unit.All<BinaryExpressionAst>())
            {
                bool equality = comparison.Operator == TokenKind.Ieq || comparison.Operator == TokenKind.Ine
                    || comparison.Operator == TokenKind.Ceq || comparison.Operator == TokenKind.Cne;
                if (equality && IsNull(comparison.Right) && !IsNull(comparison.Left))
                {
                    unit.Report("lint.null-comparison", comparison.Extent, AstUtil.Where(comparison) + AstUtil.Short(comparison.Extent.Text),
                        "$null belongs on the left: with a collection on the left, -eq/-ne $null filters the collection instead of testing it");
                }
            }
            SpecNoLog(unit, data);
        }

        private static void ApprovedVerb(FileUnit unit, RuleData data, FunctionDefinitionAst function)
        {
            var name = AstUtil.FunctionName(function);
            int dash = name.IndexOf('-');
            var verb = dash > 0 ? name.Substring(0, dash) : "";
            if (!data.ApprovedVerbs.Contains(verb) || dash == name.Length - 1)
            {
                unit.Report("lint.approved-verb", function.Extent, name,
                    name + " is not <ApprovedVerb>-<Noun> with a verb of Windows PowerShell 5.1's Get-Verb (case as Get-Verb writes it)");
            }
        }

        // ---- uncaptured method output ---------------------------------------------------------------------------

        private static IEnumerable<StatementAst> Statements(NamedBlockAst? block) =>
            block == null ? Enumerable.Empty<StatementAst>() : Statements(block.Statements);

        private static IEnumerable<StatementAst> Statements(StatementBlockAst? block) =>
            block == null ? Enumerable.Empty<StatementAst>() : Statements(block.Statements);

        /// <summary>Statements whose output is the function's output: the body's, and those of its control-flow blocks.</summary>
        private static IEnumerable<StatementAst> Statements(IEnumerable<StatementAst> statements)
        {
            foreach (var statement in statements)
            {
                yield return statement;
                IEnumerable<StatementAst> inner;
                switch (statement)
                {
                    case IfStatementAst conditional:
                        inner = conditional.Clauses.SelectMany(c => Statements(c.Item2)).Concat(Statements(conditional.ElseClause));
                        break;
                    case LoopStatementAst loop:
                        inner = Statements(loop.Body);
                        break;
                    case TryStatementAst attempt:
                        inner = Statements(attempt.Body).Concat(attempt.CatchClauses.SelectMany(c => Statements(c.Body))).Concat(Statements(attempt.Finally));
                        break;
                    case SwitchStatementAst choice:
                        inner = choice.Clauses.SelectMany(c => Statements(c.Item2)).Concat(Statements(choice.Default));
                        break;
                    case TrapStatementAst trap:
                        inner = Statements(trap.Body);
                        break;
                    case BlockStatementAst block:
                        inner = Statements(block.Body);
                        break;
                    default:
                        continue;
                }
                foreach (var nested in inner)
                {
                    yield return nested;
                }
            }
        }

        private static IEnumerable<StatementAst> BodyStatements(FunctionDefinitionAst function)
        {
            var body = function.Body;
            return Statements(body.BeginBlock).Concat(Statements(body.ProcessBlock)).Concat(Statements(body.EndBlock));
        }

        private static bool EmitsValue(StatementAst statement)
        {
            if (statement is PipelineAst pipeline && pipeline.PipelineElements.Count == 1 && pipeline.PipelineElements[0] is CommandAst command)
            {
                return string.Equals(command.GetCommandName(), "Write-Output", StringComparison.OrdinalIgnoreCase);
            }
            var expression = AstUtil.SingleExpression(statement);
            if (expression == null || expression is InvokeMemberExpressionAst)
            {
                return false;
            }
            return !(expression is ConvertExpressionAst convert && convert.Type.TypeName.Name.Equals("void", StringComparison.OrdinalIgnoreCase));
        }

        /// <summary>A function returns values when it declares [OutputType()], returns a value or emits one as a statement.</summary>
        private static bool ReturnsValues(FunctionDefinitionAst function)
        {
            var attributes = function.Body.ParamBlock?.Attributes ?? Enumerable.Empty<AttributeAst>();
            if (attributes.Any(a => a.TypeName.Name.Equals("OutputType", StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
            bool returns = function.Body.FindAll(a => a is ReturnStatementAst r && r.Pipeline != null, true)
                .Any(r => NearestScriptBlock(r) == function.Body);
            return returns || BodyStatements(function).Any(EmitsValue);
        }

        private static ScriptBlockAst? NearestScriptBlock(Ast ast)
        {
            for (var parent = ast.Parent; parent != null; parent = parent.Parent)
            {
                if (parent is ScriptBlockAst block)
                {
                    return block;
                }
            }
            return null;
        }

        private static bool IsVoidCall(RuleData data, TypeInference inference, InvokeMemberExpressionAst invoke)
        {
            if (!(invoke.Member is StringConstantExpressionAst name))
            {
                return false;
            }
            var receiver = inference.ReceiverType(invoke, out bool isStatic);
            int count = invoke.Arguments?.Count ?? 0;
            if (receiver == null)
            {
                // Receiver unknown: void when every instance method of that name (and arity) in the reference
                // assemblies is void, as Close() or Dispose() are.
                var anywhere = isStatic ? new List<RefMember>() : inference.Resolver.Refs.InstanceMethodsNamed(name.Value)
                    .Where(m => m.AcceptsArgumentCount(count)).ToList();
                return anywhere.Count > 0 && anywhere.All(m => m.Type == "System.Void");
            }
            if (data.VoidMethods.TryGetValue(receiver, out var voidMethods))
            {
                return voidMethods.Contains(name.Value);
            }
            var methods = inference.Lookup(receiver, name.Value, isStatic).Found
                .Where(f => f.Member.Kind == "Method" && f.Member.AcceptsArgumentCount(count))
                .ToList();
            return methods.Count > 0 && methods.All(f => f.Member.Type == "System.Void");
        }

        /// <summary>The statements a block ends with: its last one, and the last ones of the branches of a last if, switch or try.</summary>
        private static void TailStatements(IReadOnlyList<StatementAst>? statements, HashSet<StatementAst> tail)
        {
            if (statements == null || statements.Count == 0)
            {
                return;
            }
            var last = statements[statements.Count - 1];
            tail.Add(last);
            switch (last)
            {
                case IfStatementAst conditional:
                    foreach (var clause in conditional.Clauses)
                    {
                        TailStatements(clause.Item2.Statements, tail);
                    }
                    TailStatements(conditional.ElseClause?.Statements, tail);
                    break;
                case SwitchStatementAst choice:
                    foreach (var clause in choice.Clauses)
                    {
                        TailStatements(clause.Item2.Statements, tail);
                    }
                    TailStatements(choice.Default?.Statements, tail);
                    break;
                case TryStatementAst attempt:
                    TailStatements(attempt.Body.Statements, tail);
                    foreach (var clause in attempt.CatchClauses)
                    {
                        TailStatements(clause.Body.Statements, tail);
                    }
                    break;
            }
        }

        private static void UncapturedOutput(FileUnit unit, RuleData data, TypeInference inference, FunctionDefinitionAst function)
        {
            if (!ReturnsValues(function))
            {
                return;
            }
            var body = function.Body;
            var tail = new HashSet<StatementAst>();
            TailStatements((body.EndBlock ?? body.ProcessBlock)?.Statements, tail);
            foreach (var statement in BodyStatements(function))
            {
                // A statement the function ends with is its deliberate output (function Get-X { ...; $builder.ToString() }).
                if (tail.Contains(statement) || !(AstUtil.SingleExpression(statement) is InvokeMemberExpressionAst invoke) || IsVoidCall(data, inference, invoke))
                {
                    continue;
                }
                var call = AstUtil.Short(invoke.Expression.Extent.Text, 40) + (invoke.Static ? "::" : ".") + invoke.Member.Extent.Text + "()";
                unit.Report("lint.uncaptured-output", invoke.Extent, AstUtil.FunctionName(function) + ": " + call,
                    "the value " + call + " returns becomes part of " + AstUtil.FunctionName(function)
                    + "'s output (its return type is not void in the reference assemblies, or unknown); write $null = ... or [void](...)");
            }
        }

        // ---- -ErrorAction Stop where errors are caught ----------------------------------------------------------

        private static readonly string[] StopLike = { "Stop", "SilentlyContinue", "Ignore" };

        private static void ErrorActionInTry(FileUnit unit, RuleData data, CommandAst command)
        {
            var written = command.GetCommandName();
            if (written == null || !written.Contains('-') || unit.KnownFunctions.Contains(written) || data.QuietCommands.Contains(data.ResolveAlias(written)))
            {
                return;
            }
            if (!InsideCaughtTry(command))
            {
                return;
            }
            if (AstUtil.TryParameter(command, "ErrorAction", 6, new[] { "ea" }, out var argument))
            {
                var value = AstUtil.ConstantText(argument);
                if (value == null || StopLike.Contains(value, StringComparer.OrdinalIgnoreCase)
                    || (argument is MemberExpressionAst member && StopLike.Contains(member.Member.Extent.Text, StringComparer.OrdinalIgnoreCase)))
                {
                    return;
                }
            }
            else if (command.CommandElements.OfType<VariableExpressionAst>().Any(v => v.Splatted))
            {
                return; // a splatted hashtable may carry ErrorAction
            }
            else
            {
                var preference = ErrorActionPreference(command);
                if (preference == null || preference.Equals("Stop", StringComparison.OrdinalIgnoreCase))
                {
                    return;
                }
            }
            unit.Report("lint.erroraction-in-try", command.Extent, AstUtil.Where(command) + data.ResolveAlias(written),
                written + " runs inside try/catch but its non-terminating errors are not caught: add -ErrorAction Stop (or set $ErrorActionPreference = 'Stop' in this scope)");
        }

        private static bool InsideCaughtTry(Ast ast)
        {
            for (var child = ast; child.Parent != null; child = child.Parent)
            {
                if (child.Parent is FunctionDefinitionAst)
                {
                    return false;
                }
                if (child.Parent is TryStatementAst attempt && child == attempt.Body && attempt.CatchClauses.Count > 0)
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>
        /// The value $ErrorActionPreference has where the command runs (a module function reads it from its own,
        /// then its module's scope, WINDOWS_FACTS PS51-11): the last assignment before it in its function,
        /// else in enclosing functions, else at the top of the file (which runs before any function of a module is
        /// called). "Continue" (PowerShell's default) when none; null when assigned something not literal.
        /// </summary>
        private static string? ErrorActionPreference(CommandAst command)
        {
            Ast owner = AstUtil.ScopeOwner(command);
            bool inFunction = owner is FunctionDefinitionAst;
            while (true)
            {
                AssignmentStatementAst? lastAssignment = null;
                foreach (var assignment in owner.FindAll(a => a is AssignmentStatementAst, true).Cast<AssignmentStatementAst>())
                {
                    if (AstUtil.ScopeOwner(assignment) != owner || !(assignment.Left is VariableExpressionAst variable)
                        || !AstUtil.VariableName(variable).Equals("ErrorActionPreference", StringComparison.OrdinalIgnoreCase))
                    {
                        continue;
                    }
                    bool before = assignment.Extent.StartOffset < command.Extent.StartOffset;
                    bool moduleLevel = owner is ScriptBlockAst && inFunction;
                    if (before || moduleLevel)
                    {
                        if (lastAssignment == null || assignment.Extent.StartOffset > lastAssignment.Extent.StartOffset)
                        {
                            lastAssignment = assignment;
                        }
                    }
                }
                if (lastAssignment != null)
                {
                    return AstUtil.ConstantText(AstUtil.SingleExpression(lastAssignment.Right));
                }
                if (owner.Parent == null)
                {
                    return "Continue";
                }
                owner = AstUtil.ScopeOwner(owner);
            }
        }

        // ---- root no_log in every $spec with a secret option ----------------------------------------------------

        private static IEnumerable<HashtableAst> Specs(FileUnit unit)
        {
            foreach (var assignment in unit.All<AssignmentStatementAst>())
            {
                if (assignment.Left is VariableExpressionAst variable && AstUtil.VariableName(variable).Equals("spec", StringComparison.OrdinalIgnoreCase)
                    && AstUtil.SingleExpression(assignment.Right) is HashtableAst table)
                {
                    yield return table;
                }
            }
            foreach (var invoke in unit.All<InvokeMemberExpressionAst>())
            {
                if (invoke.Static && invoke.Expression is TypeExpressionAst type
                    && type.TypeName.Name.Equals("Ansible.Basic.AnsibleModule", StringComparison.OrdinalIgnoreCase)
                    && invoke.Member is StringConstantExpressionAst name && name.Value.Equals("Create", StringComparison.OrdinalIgnoreCase)
                    && invoke.Arguments != null && invoke.Arguments.Count > 1 && invoke.Arguments[1] is HashtableAst inline)
                {
                    yield return inline;
                }
            }
        }

        private static ExpressionAst? Entry(HashtableAst table, string key)
        {
            foreach (var pair in table.KeyValuePairs)
            {
                if (string.Equals(AstUtil.ConstantText(pair.Item1), key, StringComparison.OrdinalIgnoreCase))
                {
                    return AstUtil.SingleExpression(pair.Item2);
                }
            }
            return null;
        }

        private static bool IsNull(ExpressionAst value) =>
            value is VariableExpressionAst variable && AstUtil.VariableName(variable).Equals("null", StringComparison.OrdinalIgnoreCase);

        private static bool IsTrue(ExpressionAst? value) =>
            value is VariableExpressionAst variable && AstUtil.VariableName(variable).Equals("true", StringComparison.OrdinalIgnoreCase);

        private static void SecretOptions(FileUnit unit, RuleData data, HashtableAst spec, string path, List<string> found)
        {
            if (!(Entry(spec, "options") is HashtableAst options))
            {
                return;
            }
            foreach (var pair in options.KeyValuePairs)
            {
                var name = AstUtil.ConstantText(pair.Item1);
                if (name == null)
                {
                    continue;
                }
                var option = AstUtil.SingleExpression(pair.Item2) as HashtableAst;
                var words = WordBoundary.Split(name).Where(w => w.Length > 0);
                if (words.Any(data.SecretWords.Contains) || data.SecretWords.Contains(name) || unit.DocumentedSecrets.Contains(name, StringComparer.OrdinalIgnoreCase)
                    || (option != null && IsTrue(Entry(option, "no_log"))))
                {
                    found.Add(path + name);
                }
                if (option != null)
                {
                    SecretOptions(unit, data, option, path + name + ".", found);
                }
            }
        }

        private static void SpecNoLog(FileUnit unit, RuleData data)
        {
            foreach (var spec in Specs(unit))
            {
                if (IsTrue(Entry(spec, "no_log")))
                {
                    continue;
                }
                var secrets = new List<string>();
                SecretOptions(unit, data, spec, "", secrets);
                if (secrets.Count > 0)
                {
                    unit.Report("lint.spec-no-log", spec.Extent, "$spec",
                        "the spec has secret options (" + string.Join(", ", secrets) + ") but no root no_log = $true: Ansible.Basic writes every module argument to the Windows Application event log unless the module sets it (WINDOWS_FACTS ANSIBLE-1)");
                }
            }
        }
    }
}
