#nullable enable
// What type an expression has where the script states it (casts, type constraints, New-Object, [T]::new(),
// literals, members of known types, [OutputType()] of the collection's functions), and the members of a type.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Language;

namespace MtlsPsStatic
{
    /// <summary>A member found on a type or one of its bases, with its type in the terms of the type looked up.</summary>
    internal sealed class FoundMember
    {
        public RefMember Member;
        public string Type;

        public FoundMember(RefMember member, string type)
        {
            Member = member;
            Type = type;
        }
    }

    /// <summary>The members of one name on a type and its bases (and, for instances, its interfaces and System.Object).</summary>
    internal sealed class MemberLookup
    {
        public readonly List<FoundMember> Found = new List<FoundMember>();
        public bool Known;          // the type is a reference type we could read
        public bool Enumerable;     // member enumeration may apply (PowerShell 3+)
        public bool Dictionary;     // a property may be a key
        public bool XmlNode;        // the XML adapter turns elements and attributes into properties
    }

    /// <summary>
    /// An inferred type. Certain: the object is of this type (New-Object T, [T]::new(), a literal, a sealed or value
    /// type) or the script declares it ([T] cast or constraint). Otherwise it is a member's declared type, and the
    /// object may be of a derived type with more members (PowerShell binds members on the object's own type).
    /// </summary>
    internal sealed class Typed
    {
        public readonly string Type;
        public readonly bool Certain;

        public Typed(string type, bool certain)
        {
            Type = type;
            Certain = certain;
        }
    }

    internal sealed class TypeInference
    {
        private readonly FileUnit unit;
        private readonly TypeResolver resolver;
        private readonly RefIndex refs;

        public TypeInference(FileUnit unit, TypeResolver resolver)
        {
            this.unit = unit;
            this.resolver = resolver;
            refs = resolver.Refs;
        }

        public TypeResolver Resolver => resolver;

        /// <summary>A resolved type worth checking members on (not object, not PSObject), else null.</summary>
        private static Typed? Checkable(ResolvedType resolved, bool certain = true)
        {
            if (resolved.Kind != ResolvedKind.Framework && resolved.Kind != ResolvedKind.Allowed)
            {
                return null;
            }
            switch (resolved.Clr)
            {
                case "System.Object":
                case "System.Management.Automation.PSObject":
                case "System.Management.Automation.SwitchParameter":
                case "System.Void":
                    return null;
                default:
                    return new Typed(resolved.Clr, certain);
            }
        }

        /// <summary>A member's declared type, certain only when no derived type can stand in for it.</summary>
        private Typed? Declared(string type)
        {
            if (type.Contains('!') || type.Contains('?') || type.EndsWith("&", StringComparison.Ordinal) || type.EndsWith("*", StringComparison.Ordinal))
            {
                return null;
            }
            if (type == "System.Object" || type == "System.Void" || type == "System.Management.Automation.PSObject")
            {
                return null;
            }
            var parts = TypeNameParts.Of(type);
            var definition = parts.Kind == "Generic" ? parts.Definition : type;
            bool exact = parts.Kind == "Array" || (refs.Find(definition) is RefType known && (known.IsSealed || known.IsValueType));
            return new Typed(type, exact);
        }

        /// <summary>What a scope says about its variables: type constraints, and the statements assigned to each.</summary>
        private sealed class ScopeFacts
        {
            public readonly Dictionary<string, Typed?> Constrained = new Dictionary<string, Typed?>(StringComparer.OrdinalIgnoreCase);
            // A null statement is an assignment whose type cannot be known (+=, an untyped parameter); a foreach
            // statement assigns the elements of its collection.
            public readonly Dictionary<string, List<StatementAst?>> Assigned = new Dictionary<string, List<StatementAst?>>(StringComparer.OrdinalIgnoreCase);
            public readonly Dictionary<string, Typed?> Types = new Dictionary<string, Typed?>(StringComparer.OrdinalIgnoreCase);
            public readonly HashSet<string> Computing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

            public void Assign(string name, StatementAst? value)
            {
                if (!Assigned.TryGetValue(name, out var list))
                {
                    Assigned[name] = list = new List<StatementAst?>();
                }
                list.Add(value);
            }

            public bool Knows(string name) => Constrained.ContainsKey(name) || Assigned.ContainsKey(name);
        }

        private readonly Dictionary<Ast, ScopeFacts> scopeFacts = new Dictionary<Ast, ScopeFacts>();

        private ScopeFacts Scope(Ast owner)
        {
            if (scopeFacts.TryGetValue(owner, out var known))
            {
                return known;
            }
            var facts = new ScopeFacts();
            foreach (var node in owner.FindAll(_ => true, true))
            {
                if (AstUtil.ScopeOwner(node) != owner)
                {
                    continue;
                }
                switch (node)
                {
                    case AssignmentStatementAst assignment:
                        if (assignment.Left is ConvertExpressionAst constraint && constraint.Child is VariableExpressionAst typed)
                        {
                            facts.Constrained[AstUtil.VariableName(typed)] = Checkable(resolver.Resolve(constraint.Type.TypeName));
                        }
                        else if (assignment.Left is VariableExpressionAst variable)
                        {
                            facts.Assign(AstUtil.VariableName(variable), assignment.Operator == TokenKind.Equals ? assignment.Right : null);
                        }
                        else if (assignment.Left is ArrayLiteralAst several)
                        {
                            foreach (var target in several.Elements.OfType<VariableExpressionAst>())
                            {
                                facts.Assign(AstUtil.VariableName(target), null);
                            }
                        }
                        break;
                    case ParameterAst parameter:
                        var typeConstraint = parameter.Attributes.OfType<TypeConstraintAst>().FirstOrDefault();
                        if (typeConstraint != null)
                        {
                            facts.Constrained[AstUtil.VariableName(parameter.Name)] = Checkable(resolver.Resolve(typeConstraint.TypeName));
                        }
                        else
                        {
                            facts.Assign(AstUtil.VariableName(parameter.Name), null);
                        }
                        break;
                    case ForEachStatementAst loop:
                        facts.Assign(AstUtil.VariableName(loop.Variable), loop);
                        break;
                }
            }
            scopeFacts[owner] = facts;
            return facts;
        }

        /// <summary>A variable's type in one scope: its type constraint, else the one type all its assignments agree on.</summary>
        private Typed? ScopeVariableType(ScopeFacts facts, string name)
        {
            if (facts.Constrained.TryGetValue(name, out var constrained))
            {
                return constrained;
            }
            if (facts.Types.TryGetValue(name, out var cached))
            {
                return cached;
            }
            if (!facts.Computing.Add(name))
            {
                return null;
            }
            Typed? type = null;
            var inferred = facts.Assigned[name].Select(v => v == null ? null : InferStatement(v)).ToList();
            if (inferred.All(t => t != null) && inferred.Select(t => t!.Type).Distinct().Count() == 1)
            {
                type = new Typed(inferred[0]!.Type, inferred.All(t => t!.Certain));
            }
            facts.Computing.Remove(name);
            facts.Types[name] = type;
            return type;
        }

        public Typed? InferVariable(VariableExpressionAst variable)
        {
            var name = AstUtil.VariableName(variable);
            switch (name.ToLowerInvariant())
            {
                case "true":
                case "false":
                    return new Typed("System.Boolean", true);
                case "null":
                case "_":
                case "psitem":
                case "this":
                case "args":
                case "input":
                    return null;
            }
            var owner = AstUtil.ScopeOwner(variable);
            var facts = Scope(owner);
            if (facts.Knows(name))
            {
                return ScopeVariableType(facts, name);
            }
            if (owner is FunctionDefinitionAst)
            {
                // Not assigned in the function: the script (module) scope's variable, if the file sets one.
                var root = owner;
                while (root.Parent != null)
                {
                    root = root.Parent;
                }
                var scriptFacts = Scope(root);
                if (scriptFacts.Knows(name))
                {
                    return ScopeVariableType(scriptFacts, name);
                }
            }
            return null;
        }

        public Typed? InferStatement(StatementAst? statement)
        {
            if (statement is CommandExpressionAst direct)
            {
                return Infer(direct.Expression);
            }
            if (statement is ForEachStatementAst loop)
            {
                var collection = InferStatement(loop.Condition);
                return collection == null ? null : ElementType(collection.Type);
            }
            if (statement is PipelineAst pipeline && pipeline.PipelineElements.Count == 1)
            {
                switch (pipeline.PipelineElements[0])
                {
                    case CommandExpressionAst expression:
                        return Infer(expression.Expression);
                    case CommandAst command:
                        var created = TypeResolver.NewObjectTypeName(command);
                        if (created != null)
                        {
                            return Checkable(resolver.Resolve(created));
                        }
                        // A function of the collection declares its output: [OutputType([T])].
                        var name = command.GetCommandName();
                        if (name != null && unit.FunctionOutputTypes.TryGetValue(name, out var declared))
                        {
                            var resolved = Checkable(resolver.Resolve(declared));
                            return resolved == null ? null : Declared(resolved.Type);
                        }
                        return null;
                }
            }
            return null;
        }

        public string? TypeOf(ExpressionAst expression) => Infer(expression)?.Type;

        public Typed? Infer(ExpressionAst expression)
        {
            switch (expression)
            {
                case StringConstantExpressionAst _:
                case ExpandableStringExpressionAst _:
                    return new Typed("System.String", true);
                case ConstantExpressionAst constant:
                    return constant.StaticType.FullName is string constantType ? new Typed(constantType, true) : null;
                case ConvertExpressionAst convert:
                    return Checkable(resolver.Resolve(convert.Type.TypeName));
                case HashtableAst _:
                    return new Typed("System.Collections.Hashtable", true);
                case ArrayLiteralAst _:
                case ArrayExpressionAst _:
                    return new Typed("System.Object[]", true);
                case ParenExpressionAst paren:
                    return InferStatement(paren.Pipeline as StatementAst);
                case VariableExpressionAst variable:
                    return InferVariable(variable);
                case TypeExpressionAst _:
                    return new Typed("System.Type", false);
                case ScriptBlockExpressionAst _:
                    return new Typed("System.Management.Automation.ScriptBlock", true);
                case InvokeMemberExpressionAst invoke:
                    return InvokeType(invoke);
                case MemberExpressionAst member:
                    return MemberType(member);
                case IndexExpressionAst index:
                    return IndexType(index);
                case BinaryExpressionAst binary:
                    return BinaryType(binary);
                case UnaryExpressionAst unary when unary.TokenKind == TokenKind.Not || unary.TokenKind == TokenKind.Exclaim:
                    return new Typed("System.Boolean", true);
                case UnaryExpressionAst unary when unary.TokenKind == TokenKind.Join:
                    return new Typed("System.String", true);
                default:
                    return null;
            }
        }

        private Typed? BinaryType(BinaryExpressionAst binary)
        {
            switch (binary.Operator)
            {
                case TokenKind.Format:
                case TokenKind.Join:
                case TokenKind.Ireplace:
                case TokenKind.Creplace:
                    return new Typed("System.String", true);
                case TokenKind.Isplit:
                case TokenKind.Csplit:
                    return new Typed("System.String[]", true);
                case TokenKind.As:
                    return binary.Right is TypeExpressionAst type ? Checkable(resolver.Resolve(type.TypeName)) : null;
                case TokenKind.And:
                case TokenKind.Or:
                case TokenKind.Xor:
                case TokenKind.Is:
                case TokenKind.IsNot:
                    return new Typed("System.Boolean", true);
                default:
                    var text = binary.Operator.ToString();
                    bool comparison = (text.StartsWith("I", StringComparison.Ordinal) || text.StartsWith("C", StringComparison.Ordinal))
                        && new[] { "eq", "ne", "gt", "ge", "lt", "le", "like", "notlike", "match", "notmatch", "contains", "notcontains", "in", "notin" }
                            .Contains(text.Substring(1).ToLowerInvariant());
                    return comparison && !(binary.Left is ArrayLiteralAst) ? new Typed("System.Boolean", true) : null;
            }
        }

        /// <summary>The type of the object a member is taken from; for [T]::M the type T (certain).</summary>
        public Typed? Receiver(MemberExpressionAst member, out bool isStatic)
        {
            isStatic = member.Static;
            if (member.Static)
            {
                return member.Expression is TypeExpressionAst type ? Checkable(resolver.Resolve(type.TypeName)) : null;
            }
            return Infer(member.Expression);
        }

        public string? ReceiverType(MemberExpressionAst member, out bool isStatic) => Receiver(member, out isStatic)?.Type;

        private Typed? MemberType(MemberExpressionAst member)
        {
            if (!(member.Member is StringConstantExpressionAst name))
            {
                return null;
            }
            var receiver = ReceiverType(member, out bool isStatic);
            if (receiver == null)
            {
                return null;
            }
            var found = Lookup(receiver, name.Value, isStatic).Found
                .Where(f => f.Member.Kind == "Property" || f.Member.Kind == "Field")
                .Select(f => f.Type)
                .Distinct()
                .ToList();
            return found.Count == 1 ? Declared(found[0]) : null;
        }

        private Typed? InvokeType(InvokeMemberExpressionAst invoke)
        {
            if (!(invoke.Member is StringConstantExpressionAst name))
            {
                return null;
            }
            var receiver = Receiver(invoke, out bool isStatic);
            if (receiver == null)
            {
                return null;
            }
            int count = invoke.Arguments?.Count ?? 0;
            if (isStatic && name.Value.Equals("new", StringComparison.OrdinalIgnoreCase))
            {
                return new Typed(receiver.Type, true);
            }
            var types = Lookup(receiver.Type, name.Value, isStatic).Found
                .Where(f => f.Member.Kind == "Method" && f.Member.AcceptsArgumentCount(count))
                .Select(f => f.Type)
                .Distinct()
                .ToList();
            return types.Count == 1 ? Declared(types[0]) : null;
        }

        /// <summary>
        /// The type foreach gives its variable for a collection of this type: an array's element type, else the type
        /// of Current of what GetEnumerator() returns. PowerShell does not enumerate strings and dictionaries.
        /// </summary>
        private Typed? ElementType(string collection)
        {
            var parts = TypeNameParts.Of(collection);
            if (parts.Kind == "Array")
            {
                return Declared(parts.Element);
            }
            var lookup = Lookup(collection, "GetEnumerator", false);
            if (collection == "System.String" || lookup.Dictionary)
            {
                return null;
            }
            var enumerators = lookup.Found.Where(f => f.Member.Kind == "Method" && f.Member.Parameters == 0).Select(f => f.Type).Distinct().ToList();
            if (enumerators.Count != 1 || enumerators[0].Contains('!'))
            {
                return null;
            }
            var current = Lookup(enumerators[0], "Current", false).Found.Where(f => f.Member.Kind == "Property").Select(f => f.Type).Distinct().ToList();
            return current.Count == 1 ? Declared(current[0]) : null;
        }

        private Typed? IndexType(IndexExpressionAst index)
        {
            var target = TypeOf(index.Target);
            if (target == null)
            {
                return null;
            }
            var parts = TypeNameParts.Of(target);
            if (parts.Kind == "Array")
            {
                return Declared(parts.Element);
            }
            if (target == "System.String")
            {
                return new Typed("System.Char", true);
            }
            var item = Lookup(target, "Item", false).Found.Where(f => f.Member.Kind == "Property" && f.Member.Parameters == 1).Select(f => f.Type).Distinct().ToList();
            return item.Count == 1 ? Declared(item[0]) : null;
        }

        public MemberLookup Lookup(string typeName, string member, bool isStatic)
        {
            var lookup = new MemberLookup();
            var parts = TypeNameParts.Of(typeName);
            string definition;
            IReadOnlyList<string> arguments = Array.Empty<string>();
            switch (parts.Kind)
            {
                case "Array":
                    definition = "System.Array";
                    lookup.Enumerable = true;
                    break;
                case "Generic":
                    definition = parts.Definition;
                    arguments = parts.Arguments;
                    break;
                case "Plain":
                    definition = parts.Definition;
                    break;
                default:
                    return lookup;
            }
            var start = refs.Find(definition);
            if (start == null)
            {
                return lookup;
            }
            lookup.Known = true;

            // The class and its base classes first: PowerShell binds a class's own public member (List<T>.Add,
            // void) before an interface's explicitly implemented one (IList.Add, int).
            var classChain = new List<RefType>();
            for (var type = start; type != null && !type.IsInterface; type = type.BaseType == null ? null : refs.Find(Definition(type.BaseType)))
            {
                classChain.Add(type);
            }
            var interfaces = new List<RefType>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var pending = new Queue<RefType>(start.IsInterface ? new[] { start } : classChain.ToArray());
            while (pending.Count > 0)
            {
                var type = pending.Dequeue();
                foreach (var name in type.Interfaces)
                {
                    var found = refs.Find(Definition(name));
                    if (found != null && seen.Add(found.FullName))
                    {
                        interfaces.Add(found);
                        pending.Enqueue(found);
                    }
                }
            }
            var all = classChain.Concat(interfaces).ToList();
            if (start.IsInterface)
            {
                all.Insert(0, start);
            }
            foreach (var type in all)
            {
                switch (type.FullName)
                {
                    case "System.Collections.IEnumerable":
                        lookup.Enumerable |= typeName != "System.String";
                        break;
                    case "System.Collections.IDictionary":
                    case "System.Collections.Generic.IDictionary`2":
                        lookup.Dictionary = true;
                        break;
                    case "System.Xml.XmlNode":
                        lookup.XmlNode = true;
                        break;
                }
            }

            // A member a more derived type declares with the same kind and parameter count hides the base one
            // (X509Certificate2Collection.GetEnumerator() hides X509CertificateCollection's), as reflection does.
            var declared = new HashSet<(string, int)>();
            void Collect(IEnumerable<RefType> types)
            {
                foreach (var type in types)
                {
                    if (!type.Members.TryGetValue(member, out var members))
                    {
                        continue;
                    }
                    var own = members.Where(m => m.Static == isStatic && m.Kind != "Constructor" && !declared.Contains((m.Kind, m.Parameters))).ToList();
                    foreach (var found in own)
                    {
                        var memberType = type == start ? TypeNameParts.Substitute(found.Type, arguments) : found.Type;
                        lookup.Found.Add(new FoundMember(found, memberType));
                    }
                    declared.UnionWith(own.Select(m => (m.Kind, m.Parameters)));
                }
            }

            Collect(start.IsInterface ? new List<RefType> { start } : classChain);
            if (lookup.Found.Count == 0 && !isStatic)
            {
                Collect(interfaces);
                if (lookup.Found.Count == 0 && start.IsInterface && refs.Find("System.Object") is RefType root)
                {
                    Collect(new[] { root });
                }
            }
            return lookup;
        }

        private static string Definition(string name)
        {
            var parts = TypeNameParts.Of(name);
            return parts.Kind == "Generic" ? parts.Definition : name;
        }

        /// <summary>The public constructors of a type (value types also have the implicit parameterless one).</summary>
        public List<RefMember>? Constructors(string typeName, out bool valueType)
        {
            valueType = false;
            var parts = TypeNameParts.Of(typeName);
            if (parts.Kind != "Plain" && parts.Kind != "Generic")
            {
                return null;
            }
            var type = refs.Find(parts.Definition);
            if (type == null)
            {
                return null;
            }
            valueType = type.BaseType == "System.ValueType" || type.BaseType == "System.Enum";
            return type.Members.TryGetValue(".ctor", out var constructors) ? constructors.Where(c => !c.Static).ToList() : new List<RefMember>();
        }
    }
}
