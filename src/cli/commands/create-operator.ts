import { systemClock } from '../../clock.js';
import { createOperator, OperatorInputError } from '../../platform/operators.js';
import { UsageError, type Command } from '../command.js';
import { configFrom } from '../config-flags.js';
import { withDatabase } from '../database-session.js';

export const createOperatorCommand: Command = {
  name: 'create-operator',
  summary: 'Create a platform operator (console login); prints a generated password unless one is given',
  options: { email: { type: 'string' }, name: { type: 'string' }, password: { type: 'string' }, json: { type: 'boolean' } },
  optionHelp: {
    email: 'the operator\'s email (their login)',
    name: 'display name',
    password: 'at least 12 characters; omit to generate one (printed once)',
    json: 'print the result as JSON',
  },
  async run(values, io) {
    const config = configFrom(values, io);
    if (typeof values.email !== 'string') throw new UsageError('--email is required');
    if (typeof values.name !== 'string') throw new UsageError('--name is required');
    const email = values.email;
    const name = values.name;
    const password = typeof values.password === 'string' ? values.password : undefined;
    try {
      const operator = await withDatabase(config, (database) =>
        createOperator(database, { email, name, password }, { type: 'cli', id: null }, systemClock),
      );
      if (values.json === true) {
        io.out(JSON.stringify({ id: operator.id, email: operator.email, name: operator.name, password: operator.generatedPassword }));
      } else {
        io.out(`Operator ${operator.email} created (id ${operator.id}).`);
        if (operator.generatedPassword !== null) io.out(`Password (shown once): ${operator.generatedPassword}`);
      }
      return 0;
    } catch (error) {
      if (error instanceof OperatorInputError) throw new UsageError(error.message);
      throw error;
    }
  },
};
