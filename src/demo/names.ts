/**
 * Name material for demo people and businesses. A mix of origins and a few accented spellings,
 * so usernames and emails exercise the ASCII folding real sign-ups need.
 */
// prettier-ignore
export const FIRST_NAMES = [
  'Aaliyah', 'Aaron', 'Abigail', 'Adam', 'Adrian', 'Aiden', 'Aisha', 'Alejandro', 'Alex', 'Alexis',
  'Amara', 'Amelia', 'Ana', 'Andre', 'Andrew', 'Angela', 'Anika', 'Anthony', 'Aria', 'Ashley',
  'Ava', 'Benjamin', 'Bianca', 'Brandon', 'Brianna', 'Caleb', 'Camila', 'Carlos', 'Carmen', 'Charlotte',
  'Chloe', 'Christopher', 'Claire', 'Connor', 'Daniel', 'David', 'Deja', 'Derek', 'Diego', 'Dylan',
  'Elena', 'Eli', 'Elijah', 'Elizabeth', 'Emily', 'Emma', 'Eric', 'Ethan', 'Evelyn', 'Fatima',
  'Felix', 'Gabriel', 'Grace', 'Hannah', 'Harper', 'Hiroshi', 'Ian', 'Imani', 'Isaac', 'Isabella',
  'Jack', 'Jacob', 'Jamal', 'James', 'Jasmine', 'Jason', 'Jayden', 'Jessica', 'Jin', 'Jordan',
  'José', 'Joseph', 'Joshua', 'Julia', 'Justin', 'Kai', 'Katherine', 'Kayla', 'Kenji', 'Kevin',
  'Keisha', 'Kyle', 'Laila', 'Laura', 'Leah', 'Leo', 'Liam', 'Lily', 'Logan', 'Lucas',
  'Luis', 'Madison', 'Malik', 'Maria', 'Marcus', 'Maya', 'Mei', 'Mia', 'Michael', 'Miguel',
  'Mohammed', 'Naomi', 'Nathan', 'Nia', 'Nicholas', 'Noah', 'Nora', 'Olivia', 'Omar', 'Owen',
  'Priya', 'Quinn', 'Rachel', 'Rafael', 'Rahul', 'Renée', 'Riley', 'Rosa', 'Ryan', 'Samantha',
  'Samuel', 'Sara', 'Sebastian', 'Sofia', 'Sophie', 'Stephanie', 'Taylor', 'Thomas', 'Tyler', 'Valentina',
  'Victoria', 'William', 'Xavier', 'Yuki', 'Zachary', 'Zara', 'Zoë', 'Björn', 'Chiara', 'Dmitri',
] as const;

// prettier-ignore
export const LAST_NAMES = [
  'Abbott', 'Adams', 'Ahmed', 'Alvarez', 'Anderson', 'Bailey', 'Baker', 'Banerjee', 'Barnes', 'Bell',
  'Bennett', 'Brooks', 'Brown', 'Bryant', 'Campbell', 'Carter', 'Castillo', 'Chen', 'Clark', 'Coleman',
  'Collins', 'Cook', 'Cooper', 'Cruz', 'Davis', 'Diaz', 'Edwards', 'Evans', 'Fischer', 'Flores',
  'Foster', 'García', 'Gomez', 'Gonzalez', 'Gray', 'Green', 'Griffin', 'Gupta', 'Hall', 'Harris',
  'Hayes', 'Henderson', 'Hernandez', 'Hill', 'Howard', 'Hughes', 'Ito', 'Jackson', 'James', 'Jenkins',
  'Johnson', 'Jones', 'Kaur', 'Kelly', 'Kim', 'King', 'Kowalski', 'Lee', 'Lewis', 'Long',
  'Lopez', 'Martin', 'Martinez', 'Mendoza', 'Miller', 'Mitchell', 'Moore', 'Morales', 'Morgan', 'Müller',
  'Murphy', 'Nakamura', 'Nelson', "O'Brien", 'Nguyen', 'Okafor', 'Ortiz', 'Parker', 'Patel', 'Perez',
  'Perry', 'Peterson', 'Phillips', 'Powell', 'Price', 'Ramirez', 'Reed', 'Reyes', 'Richardson', 'Rivera',
  'Roberts', 'Robinson', 'Rodriguez', 'Rogers', 'Ross', 'Russell', 'Sanchez', 'Sanders', 'Schmidt', 'Scott',
  'Shah', 'Silva', 'Singh', 'Smith', 'Stewart', 'Sullivan', 'Tanaka', 'Taylor', 'Thompson', 'Torres',
  'Tran', 'Turner', 'Walker', 'Wang', 'Ward', 'Washington', 'Watson', 'White', 'Williams', 'Wilson',
  'Wood', 'Wright', 'Wu', 'Yamamoto', 'Young', 'Zhang', 'Novak', 'Lindqvist', 'Rossi', 'Dubois',
] as const;

/** Convention handles people go by: preferred names. */
// prettier-ignore
export const HANDLES = [
  'Ash', 'Blaze', 'Bolt', 'Bramble', 'Cinder', 'Clover', 'Comet', 'Dash', 'Ember', 'Fable',
  'Fern', 'Flint', 'Frost', 'Gizmo', 'Hazel', 'Indigo', 'Jinx', 'Juniper', 'Kit', 'Koda',
  'Lark', 'Lumi', 'Maple', 'Mochi', 'Moss', 'Nova', 'Onyx', 'Orion', 'Pepper', 'Pip',
  'Quill', 'Rascal', 'Raven', 'Rook', 'Rusty', 'Sable', 'Sage', 'Scout', 'Shadow', 'Sky',
  'Sparky', 'Sprocket', 'Storm', 'Sunny', 'Tango', 'Tinker', 'Vex', 'Whisker', 'Wren', 'Zephyr',
] as const;

// prettier-ignore
export const BUSINESS_ADJECTIVES = [
  'Amber', 'Bright', 'Clever', 'Cozy', 'Crimson', 'Curious', 'Dapper', 'Electric', 'Gilded', 'Golden',
  'Happy', 'Hidden', 'Lucky', 'Midnight', 'Moonlit', 'Painted', 'Silver', 'Sleepy', 'Starry', 'Wild',
] as const;

// prettier-ignore
export const BUSINESS_NOUNS = [
  'Badger', 'Beacon', 'Brush', 'Dragon', 'Feather', 'Fox', 'Kettle', 'Lantern', 'Meadow', 'Otter',
  'Paws', 'Pixel', 'Quill', 'Raccoon', 'Stitch', 'Tail', 'Thread', 'Wolf', 'Workshop', 'Yarn',
] as const;

// prettier-ignore
export const BUSINESS_SUFFIXES = [
  'Studio', 'Creations', 'Crafts', 'Art', 'Designs', 'Emporium', 'Press', 'Prints', 'Goods', 'Co.',
] as const;
